import { afterEach, describe, expect, it } from 'vitest';
import { generateSigningKey, SIGNATURE_TYPE_COSIGNATURE_V1 } from '../../shared/crypto/index.ts';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';
import { readCentreConfig } from '../../server/centre.ts';
import { initCentre } from '../../server/init.ts';
import { run } from './centre.ts';

async function centre(...argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await run(argv, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { status, stdout, stderr };
}

const dirs = tempDirs();
afterEach(() => dirs.removeAll());

const witnessKey = (name: string): string => generateSigningKey(name, { signatureType: SIGNATURE_TYPE_COSIGNATURE_V1 }).verifier.text;

describe('hashfeed centre witnesses', () => {
  describe('when a witness is added', () => {
    it('writes it to centre.json, moves it when its key comes back with another URL, and lists it without a cosigned size', async () => {
      const dataDir = dirs.make('hf-cli-witnesses-');
      initCentre(dataDir, Date.now());
      const vkey = witnessKey('witness.example/w1');
      expect((await centre('witnesses', 'add', '--data', dataDir, '--url', 'https://witness.example/', '--vkey', vkey)).status).toBe(0);
      expect(readCentreConfig(dataDir).witnesses).toEqual([{ url: 'https://witness.example', vkey }]);
      expect((await centre('witnesses', 'add', '--data', dataDir, '--url', 'https://witness2.example', '--vkey', vkey)).status).toBe(0);
      expect(readCentreConfig(dataDir).witnesses).toEqual([{ url: 'https://witness2.example', vkey }]);
      const listed = await centre('witnesses', 'list', '--data', dataDir);
      expect(JSON.parse(listed.stdout)).toEqual([{ url: 'https://witness2.example', verifierKey: vkey, cosignedSize: null, cosignedAt: null }]);
    });
  });

  describe('when the witness is not one', () => {
    it.each([
      ['a log key (type 0x01)', 'https://witness.example', generateSigningKey('hashfeed/eu-centre').verifier.text, 'cosignature/v1'],
      ['a URL that is not http(s)', 'ftp://witness.example', witnessKey('witness.example/w1'), 'http or https'],
      ['a string that is no key', 'https://witness.example', 'not-a-key', 'cosignature/v1'],
    ])('refuses %s with exit 2 and changes nothing', async (_name, url, vkey, message) => {
      const dataDir = dirs.make('hf-cli-witnesses-');
      initCentre(dataDir, Date.now());
      const { status, stderr } = await centre('witnesses', 'add', '--data', dataDir, '--url', url, '--vkey', vkey);
      expect(status).toBe(2);
      expect(stderr).toContain(message);
      expect(readCentreConfig(dataDir).witnesses).toEqual([]);
    });
  });
});
