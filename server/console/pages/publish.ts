import { Hono, type Context } from 'hono';
import { hasCode } from '../../../shared/errors.ts';
import { publishVersion } from '../../publish/publish-version.ts';
import type { ConsoleDeps, ConsoleEnv } from '../deps.ts';
import { ConsoleError } from '../errors.ts';
import { formOf } from '../forms.ts';
import { h } from '../html.ts';
import { renderPage, type PageOptions } from '../layout.ts';
import { dryRun, latestLine, publishedVersion } from './publish-view.ts';

const VERSION = /^[1-9][0-9]{0,14}$/;
const DIGEST = /^[0-9a-f]{64}$/;

/**
 * GET /console/publish (operator): the dry run of the next publication
 * (Publisher.plan: what it adds and tombstones, by category and authority,
 * and its version number), then "Publish version N" behind a required
 * confirmation. The form carries the plan's digest: a publication whose
 * plan changed since the dry run was shown is refused (PUBLISH_PLAN_CHANGED)
 * and the new dry run shown instead. Afterwards, the version and the
 * log's signed checkpoint (GET /console/publish/versions/N).
 */
export function publishRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const { centre, clock } = deps;
  const app = new Hono<ConsoleEnv>();

  const render = (c: Context<ConsoleEnv>, state: { status?: PageOptions['status']; message?: string; error?: string } = {}) => {
    const session = c.get('session');
    const plan = centre.publisher.plan(clock());
    return renderPage(c, {
      title: 'Publish',
      session,
      current: '/publish',
      status: state.status,
      body: h(
        'div',
        {},
        state.message === undefined ? null : h('div', { class: 'flash refused', role: 'alert' }, h('strong', {}, 'Refused: '), state.message),
        latestLine(centre.publisher.latest()),
        h('h2', {}, plan.publishable ? `Dry run of version ${plan.version}` : 'Dry run'),
        dryRun(centre, session, plan, { error: state.error }),
      ),
    });
  };

  app.get('/', (c) => render(c));

  app.post('/', async (c) => {
    const form = await formOf(c);
    const version = form.get('version') ?? '';
    const digest = form.get('plan') ?? '';
    if (!VERSION.test(version) || !DIGEST.test(digest)) throw new ConsoleError('CONSOLE_FORM_INVALID', 'the publish form carries the version and plan of its dry run');
    const session = c.get('session');
    const now = clock();
    const current = centre.publisher.plan(now);
    const stale = () =>
      render(c, {
        status: 409,
        message: `PUBLISH_PLAN_CHANGED: what the next publication would do has changed since the dry run of version ${version} was shown. Nothing was published. Check the new dry run below.`,
      });
    if (current.digest !== digest) return stale();
    if (form.get('confirm') !== 'yes') return render(c, { status: 422, error: 'Tick "I have checked the dry run" to publish.' });
    const published = (() => {
      try {
        // The digest is checked again inside the publication's own transaction.
        return publishVersion(centre, session.name, now, { expectedPlan: digest });
      } catch (err) {
        if (hasCode(err, 'PUBLISH_PLAN_CHANGED')) return undefined;
        throw err;
      }
    })();
    if (published === undefined) return stale();
    session.flash = { kind: 'done', text: `Published version ${published.version}: ${published.adds} added, ${published.removes} tombstoned, ${published.active} active.` };
    return c.redirect(`/console/publish/versions/${published.version}`, 303);
  });

  app.get('/versions/:version', (c) => {
    const asked = c.req.param('version');
    const version = VERSION.test(asked) ? centre.publisher.version(Number(asked)) : undefined;
    if (version === undefined) throw new ConsoleError('CONSOLE_NOT_FOUND', 'no such version has been published');
    return renderPage(c, {
      title: `Version ${version.version}`,
      session: c.get('session'),
      current: '/publish',
      body: h('div', {}, publishedVersion(centre, version, clock()), h('p', {}, h('a', { href: '/console/publish' }, 'Back to the dry run of the next version'))),
    });
  });

  return app;
}
