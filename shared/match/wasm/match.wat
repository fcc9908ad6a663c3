;; hashfeed matching kernel: multi-index Hamming range search and linear scan.
;;
;; Compiled at start-up from this text by the `wabt` package (kernel-wasm.ts);
;; one instance per segment, each over its own memory. The memory layout, and
;; the descriptor at address 0 that every function reads, are defined in
;; layout.ts (DESC); the JS kernel (kernel-js.ts) implements the same
;; algorithm over the same bytes and must give identical results.
;;
;; Descriptor (i32 at byte offset):
;;   0 rows   4 words (i64 per hash: 4 or 1)   8 hashes   12 ids   16 dead
;;   20 slot count   24 slot records   28 query
;;   32 probe buffer   36 its capacity   40 candidate buffer   44 its capacity
;;   48 out buffer   52 its capacity   56 out count   60 overflow flag
;;   64 probes (stat)   68 postings scanned (stat)   72 candidates verified (stat)
;;   76 scratch word (written so that prefetching reads are not dead code)
;; Slot record (32 bytes): start, width, tableBits, remBits, table, postings.
;;
;; Bit i of a hash is bit (i & 7) of byte (i >> 3): an unaligned little-endian
;; i64 load at byte (start >> 3) shifted right by (start & 7) puts a slot's key
;; in the low bits.
;;
;; A search runs in three passes so that the random reads of each pass are
;; independent of one another and the CPU keeps many in flight:
;;   1. probe:  for every key within the slot radius, read the bucket bounds
;;              (table[t], table[t + 1]) into the probe buffer;
;;   2. filter: scan each bucket's postings, keep those whose key remainder is
;;              within what is left of the radius (branch-free append);
;;   3. verify: fetch each candidate's hash, compute the full distance; on a
;;              match, check the tombstone and that this slot is the first one
;;              (in probe order) whose probe reaches the row, so a row found
;;              through several slots is reported once without any per-query
;;              memory.
(module
  (import "env" "memory" (memory 0))

  (global $T (mut i32) (i32.const 0))
  (global $m (mut i32) (i32.const 0))
  (global $rq (mut i32) (i32.const 0))
  (global $ra (mut i32) (i32.const 0))
  (global $q (mut i32) (i32.const 0))
  (global $v (mut i32) (i32.const 0))

  ;; Radius of slot k: floor(T/m) for k <= T mod m, one less after (plan.ts slotRadius).
  (func $radius (param $k i32) (result i32)
    (select
      (global.get $rq)
      (i32.sub (global.get $rq) (i32.const 1))
      (i32.le_u (local.get $k) (global.get $ra))))

  ;; Key of `width` bits starting at bit `start` of the hash at `base`.
  (func $key (param $base i32) (param $start i32) (param $width i32) (result i32)
    (i32.wrap_i64
      (i64.and
        (i64.shr_u
          (i64.load align=1 (i32.add (local.get $base) (i32.shr_u (local.get $start) (i32.const 3))))
          (i64.extend_i32_u (i32.and (local.get $start) (i32.const 7))))
        (i64.sub
          (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $width)))
          (i64.const 1)))))

  (func $is_dead (param $row i32) (result i32)
    (i32.and
      (i32.shr_u
        (i32.load
          (i32.add
            (i32.load (i32.const 16))
            (i32.shl (i32.shr_u (local.get $row) (i32.const 5)) (i32.const 2))))
        (i32.and (local.get $row) (i32.const 31)))
      (i32.const 1)))

  (func $emit (param $row i32) (param $d i32)
    (local $count i32)
    (local $at i32)
    (local.set $count (i32.load (i32.const 56)))
    (if (i32.lt_u (local.get $count) (i32.load (i32.const 52)))
      (then
        (local.set $at (i32.add (i32.load (i32.const 48)) (i32.shl (local.get $count) (i32.const 3))))
        (i32.store (local.get $at)
          (i32.load (i32.add (i32.load (i32.const 12)) (i32.shl (local.get $row) (i32.const 2)))))
        (i32.store offset=4 (local.get $at)
          (i32.or (local.get $d) (i32.shl (global.get $v) (i32.const 16))))
        (i32.store (i32.const 56) (i32.add (local.get $count) (i32.const 1))))
      (else
        (i32.store (i32.const 60) (i32.const 1)))))

  ;; 1 when no slot before k reaches the row at `rowp` from the current query.
  (func $first_slot (param $rowp i32) (param $k i32) (result i32)
    (local $j i32)
    (local $rho i32)
    (local $rec i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $k)))
        (local.set $rho (call $radius (local.get $j)))
        (if (i32.ge_s (local.get $rho) (i32.const 0))
          (then
            (local.set $rec (i32.add (i32.load (i32.const 24)) (i32.shl (local.get $j) (i32.const 5))))
            (if (i32.le_u
                  (i32.popcnt
                    (i32.xor
                      (call $key (local.get $rowp) (i32.load (local.get $rec)) (i32.load offset=4 (local.get $rec)))
                      (call $key (global.get $q) (i32.load (local.get $rec)) (i32.load offset=4 (local.get $rec)))))
                  (local.get $rho))
              (then (return (i32.const 0))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next)))
    (i32.const 1))

  ;; Pass 3: verify `count` candidate records (row, slot) against the current query.
  (func $verify (param $count i32)
    (local $p i32)
    (local $end i32)
    (local $row i32)
    (local $rowp i32)
    (local $d i32)
    (local $hashes i32)
    (local $t i32)
    (local $q0 i64)
    (local $q1 i64)
    (local $q2 i64)
    (local $q3 i64)
    (local.set $p (i32.load (i32.const 40)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $count) (i32.const 3))))
    (local.set $hashes (i32.load (i32.const 8)))
    (local.set $t (global.get $T))
    (i32.store (i32.const 72) (i32.add (i32.load (i32.const 72)) (local.get $count)))
    (local.set $q0 (i64.load (global.get $q)))
    (if (i32.eq (i32.load (i32.const 4)) (i32.const 4))
      (then
        (local.set $q1 (i64.load offset=8 (global.get $q)))
        (local.set $q2 (i64.load offset=16 (global.get $q)))
        (local.set $q3 (i64.load offset=24 (global.get $q)))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $row (i32.load (local.get $p)))
            (local.set $rowp (i32.add (local.get $hashes) (i32.shl (local.get $row) (i32.const 5))))
            (local.set $d
              (i32.wrap_i64
                (i64.add
                  (i64.add
                    (i64.popcnt (i64.xor (i64.load (local.get $rowp)) (local.get $q0)))
                    (i64.popcnt (i64.xor (i64.load offset=8 (local.get $rowp)) (local.get $q1))))
                  (i64.add
                    (i64.popcnt (i64.xor (i64.load offset=16 (local.get $rowp)) (local.get $q2)))
                    (i64.popcnt (i64.xor (i64.load offset=24 (local.get $rowp)) (local.get $q3)))))))
            (if (i32.le_u (local.get $d) (local.get $t))
              (then
                (if (i32.eqz (call $is_dead (local.get $row)))
                  (then
                    (if (call $first_slot (local.get $rowp) (i32.load offset=4 (local.get $p)))
                      (then (call $emit (local.get $row) (local.get $d))))))))
            (local.set $p (i32.add (local.get $p) (i32.const 8)))
            (br $next))))
      (else
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $row (i32.load (local.get $p)))
            (local.set $rowp (i32.add (local.get $hashes) (i32.shl (local.get $row) (i32.const 3))))
            (local.set $d (i32.wrap_i64 (i64.popcnt (i64.xor (i64.load (local.get $rowp)) (local.get $q0)))))
            (if (i32.le_u (local.get $d) (local.get $t))
              (then
                (if (i32.eqz (call $is_dead (local.get $row)))
                  (then
                    (if (call $first_slot (local.get $rowp) (i32.load offset=4 (local.get $p)))
                      (then (call $emit (local.get $row) (local.get $d))))))))
            (local.set $p (i32.add (local.get $p) (i32.const 8)))
            (br $next))))))

  ;; Pass 2: scan the postings of `count` probe records, appending candidates; verifies when the buffer fills.
  (func $filter (param $count i32)
    (local $p i32)
    (local $end i32)
    (local $a i32)
    (local $b i32)
    (local $meta i32)
    (local $qr i32)
    (local $k i32)
    (local $rr i32)
    (local $rbits i32)
    (local $rmask i32)
    (local $post i32)
    (local $c i32)
    (local $cands i32)
    (local $cap i32)
    (local $at i32)
    (local $entries i32)
    (local.set $p (i32.load (i32.const 32)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $count) (i32.const 4))))
    ;; Touch every cache line of every bucket first. These reads do not depend
    ;; on one another, so the CPU keeps dozens in flight; the scan below then
    ;; runs from cache. (Scanning directly serializes the misses: each bucket's
    ;; loop fills the reorder window before the next bucket's first read issues.)
    (block $touched
      (loop $touch
        (br_if $touched (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $a (i32.load (local.get $p)))
        (local.set $b (i32.load offset=4 (local.get $p)))
        (local.set $post (i32.xor (local.get $post) (i32.load (i32.sub (local.get $b) (i32.const 4)))))
        (block $lines_done
          (loop $lines
            (br_if $lines_done (i32.ge_u (local.get $a) (local.get $b)))
            (local.set $post (i32.xor (local.get $post) (i32.load (local.get $a))))
            (local.set $a (i32.add (local.get $a) (i32.const 64)))
            (br $lines)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $touch)))
    ;; Keeps the touching reads observable.
    (i32.store (i32.const 76) (local.get $post))
    (local.set $p (i32.load (i32.const 32)))
    (local.set $cands (i32.load (i32.const 40)))
    (local.set $cap (i32.load (i32.const 44)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $a (i32.load (local.get $p)))
        (local.set $b (i32.load offset=4 (local.get $p)))
        (local.set $meta (i32.load offset=8 (local.get $p)))
        (local.set $qr (i32.load offset=12 (local.get $p)))
        (local.set $k (i32.and (local.get $meta) (i32.const 255)))
        (local.set $rr (i32.and (i32.shr_u (local.get $meta) (i32.const 8)) (i32.const 255)))
        (local.set $rbits (i32.shr_u (local.get $meta) (i32.const 16)))
        (local.set $rmask (i32.sub (i32.shl (i32.const 1) (local.get $rbits)) (i32.const 1)))
        (local.set $entries
          (i32.add (local.get $entries) (i32.shr_u (i32.sub (local.get $b) (local.get $a)) (i32.const 2))))
        (block $bucket_done
          (loop $bucket
            (br_if $bucket_done (i32.ge_u (local.get $a) (local.get $b)))
            (local.set $post (i32.load (local.get $a)))
            ;; Most postings fail on their key remainder; a well-predicted branch skips them.
            ;; (A v128 version testing four postings per step measured no faster: the pass is bound by cache misses.)
            (if (i32.le_u
                  (i32.popcnt (i32.and (i32.xor (local.get $post) (local.get $qr)) (local.get $rmask)))
                  (local.get $rr))
              (then
                (local.set $at (i32.add (local.get $cands) (i32.shl (local.get $c) (i32.const 3))))
                (i32.store (local.get $at) (i32.shr_u (local.get $post) (local.get $rbits)))
                (i32.store offset=4 (local.get $at) (local.get $k))
                (local.set $c (i32.add (local.get $c) (i32.const 1)))
                (if (i32.eq (local.get $c) (local.get $cap))
                  (then
                    (call $verify (local.get $c))
                    (local.set $c (i32.const 0))))))
            (local.set $a (i32.add (local.get $a) (i32.const 4)))
            (br $bucket)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $next)))
    (call $verify (local.get $c))
    (i32.store (i32.const 68) (i32.add (i32.load (i32.const 68)) (local.get $entries))))

  (func $reset (param $T i32)
    (global.set $T (local.get $T))
    (i32.store (i32.const 56) (i32.const 0))
    (i32.store (i32.const 60) (i32.const 0))
    (i32.store (i32.const 64) (i32.const 0))
    (i32.store (i32.const 68) (i32.const 0))
    (i32.store (i32.const 72) (i32.const 0)))

  (func $result (result i32)
    (select (i32.const -1) (i32.load (i32.const 56)) (i32.load (i32.const 60))))

  ;; Multi-index range search of `nq` query hashes (at the query address) within T.
  ;; Returns the number of results written, or -1 when the out buffer overflowed.
  (func (export "mih_search") (param $nq i32) (param $T i32) (result i32)
    (local $hashBytes i32)
    (local $k i32)
    (local $rho i32)
    (local $rec i32)
    (local $tbits i32)
    (local $rbits i32)
    (local $table i32)
    (local $post i32)
    (local $qk i32)
    (local $qt i32)
    (local $qr i32)
    (local $w i32)
    (local $wmax i32)
    (local $c i32)
    (local $limit i32)
    (local $meta i32)
    (local $at i32)
    (local $lo i32)
    (local $hi i32)
    (local $pr i32)
    (local $low i32)
    (local $sum i32)
    (local $probes i32)
    (local $cap i32)
    (local $pc i32)
    (local $nprobes i32)
    (call $reset (local.get $T))
    (global.set $m (i32.load (i32.const 20)))
    (global.set $rq (i32.div_u (local.get $T) (global.get $m)))
    (global.set $ra (i32.rem_u (local.get $T) (global.get $m)))
    (local.set $hashBytes (i32.shl (i32.load (i32.const 4)) (i32.const 3)))
    (local.set $probes (i32.load (i32.const 32)))
    (local.set $cap (i32.load (i32.const 36)))
    (global.set $v (i32.const 0))
    (block $variants_done
      (loop $variant
        (br_if $variants_done (i32.ge_u (global.get $v) (local.get $nq)))
        (global.set $q (i32.add (i32.load (i32.const 28)) (i32.mul (global.get $v) (local.get $hashBytes))))
        (local.set $k (i32.const 0))
        (block $slots_done
          (loop $slot
            (br_if $slots_done (i32.ge_u (local.get $k) (global.get $m)))
            (local.set $rho (call $radius (local.get $k)))
            (if (i32.ge_s (local.get $rho) (i32.const 0))
              (then
                (local.set $rec (i32.add (i32.load (i32.const 24)) (i32.shl (local.get $k) (i32.const 5))))
                (local.set $tbits (i32.load offset=8 (local.get $rec)))
                (local.set $rbits (i32.load offset=12 (local.get $rec)))
                (local.set $table (i32.load offset=16 (local.get $rec)))
                (local.set $post (i32.load offset=20 (local.get $rec)))
                (local.set $qk
                  (call $key (global.get $q) (i32.load (local.get $rec)) (i32.load offset=4 (local.get $rec))))
                (local.set $qt (i32.shr_u (local.get $qk) (local.get $rbits)))
                (local.set $qr
                  (i32.and (local.get $qk) (i32.sub (i32.shl (i32.const 1) (local.get $rbits)) (i32.const 1))))
                (local.set $limit (i32.shl (i32.const 1) (local.get $tbits)))
                (local.set $wmax
                  (select (local.get $rho) (local.get $tbits) (i32.lt_u (local.get $rho) (local.get $tbits))))
                (local.set $w (i32.const 0))
                (block $weights_done
                  (loop $weight
                    (br_if $weights_done (i32.gt_u (local.get $w) (local.get $wmax)))
                    (local.set $meta
                      (i32.or
                        (i32.or (local.get $k) (i32.shl (i32.sub (local.get $rho) (local.get $w)) (i32.const 8)))
                        (i32.shl (local.get $rbits) (i32.const 16))))
                    ;; c runs over the masks of w bits among tbits (Gosper's hack), 0 when w = 0.
                    (local.set $c (i32.sub (i32.shl (i32.const 1) (local.get $w)) (i32.const 1)))
                    (block $masks_done
                      (loop $mask
                        (local.set $at
                          (i32.add (local.get $table) (i32.shl (i32.xor (local.get $qt) (local.get $c)) (i32.const 2))))
                        (local.set $lo (i32.load (local.get $at)))
                        (local.set $hi (i32.load offset=4 (local.get $at)))
                        (local.set $pr (i32.add (local.get $probes) (i32.shl (local.get $pc) (i32.const 4))))
                        (i32.store (local.get $pr) (i32.add (local.get $post) (i32.shl (local.get $lo) (i32.const 2))))
                        (i32.store offset=4 (local.get $pr)
                          (i32.add (local.get $post) (i32.shl (local.get $hi) (i32.const 2))))
                        (i32.store offset=8 (local.get $pr) (local.get $meta))
                        (i32.store offset=12 (local.get $pr) (local.get $qr))
                        (local.set $pc (i32.add (local.get $pc) (i32.gt_u (local.get $hi) (local.get $lo))))
                        (local.set $nprobes (i32.add (local.get $nprobes) (i32.const 1)))
                        (if (i32.eq (local.get $pc) (local.get $cap))
                          (then
                            (call $filter (local.get $pc))
                            (local.set $pc (i32.const 0))))
                        (br_if $masks_done (i32.eqz (local.get $w)))
                        (local.set $low (i32.and (local.get $c) (i32.sub (i32.const 0) (local.get $c))))
                        (local.set $sum (i32.add (local.get $c) (local.get $low)))
                        (local.set $c
                          (i32.or
                            (local.get $sum)
                            (i32.shr_u
                              (i32.shr_u (i32.xor (local.get $sum) (local.get $c)) (i32.const 2))
                              (i32.ctz (local.get $c)))))
                        (br_if $mask (i32.lt_u (local.get $c) (local.get $limit)))))
                    (local.set $w (i32.add (local.get $w) (i32.const 1)))
                    (br $weight)))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $slot)))
        (call $filter (local.get $pc))
        (local.set $pc (i32.const 0))
        (global.set $v (i32.add (global.get $v) (i32.const 1)))
        (br $variant)))
    (i32.store (i32.const 64) (local.get $nprobes))
    (call $result))

  ;; Linear scan of every row against `nq` query hashes within T (one pass over memory for all variants).
  ;; Returns the number of results written, or -1 when the out buffer overflowed.
  (func (export "scan") (param $nq i32) (param $T i32) (result i32)
    (local $rows i32)
    (local $row i32)
    (local $rowp i32)
    (local $hashBytes i32)
    (local $qp i32)
    (local $qend i32)
    (local $d i32)
    (local $r0 i64)
    (local $r1 i64)
    (local $r2 i64)
    (local $r3 i64)
    (local $q0 i64)
    (local $q1 i64)
    (local $q2 i64)
    (local $q3 i64)
    (call $reset (local.get $T))
    (local.set $rows (i32.load (i32.const 0)))
    (local.set $hashBytes (i32.shl (i32.load (i32.const 4)) (i32.const 3)))
    (local.set $rowp (i32.load (i32.const 8)))
    (local.set $qend (i32.add (i32.load (i32.const 28)) (i32.mul (local.get $nq) (local.get $hashBytes))))
    (i32.store (i32.const 72) (local.get $rows))
    (if (i32.eq (local.get $hashBytes) (i32.const 32))
      (then
        (if (i32.eq (local.get $nq) (i32.const 1))
          (then
            ;; One query: keep it in registers; the loop is bound by memory bandwidth.
            (local.set $q0 (i64.load (i32.load (i32.const 28))))
            (local.set $q1 (i64.load offset=8 (i32.load (i32.const 28))))
            (local.set $q2 (i64.load offset=16 (i32.load (i32.const 28))))
            (local.set $q3 (i64.load offset=24 (i32.load (i32.const 28))))
            (global.set $v (i32.const 0))
            (block $done
              (loop $next
                (br_if $done (i32.ge_u (local.get $row) (local.get $rows)))
                (local.set $d
                  (i32.wrap_i64
                    (i64.add
                      (i64.add
                        (i64.popcnt (i64.xor (i64.load (local.get $rowp)) (local.get $q0)))
                        (i64.popcnt (i64.xor (i64.load offset=8 (local.get $rowp)) (local.get $q1))))
                      (i64.add
                        (i64.popcnt (i64.xor (i64.load offset=16 (local.get $rowp)) (local.get $q2)))
                        (i64.popcnt (i64.xor (i64.load offset=24 (local.get $rowp)) (local.get $q3)))))))
                (if (i32.le_u (local.get $d) (local.get $T))
                  (then
                    (if (i32.eqz (call $is_dead (local.get $row)))
                      (then (call $emit (local.get $row) (local.get $d))))))
                (local.set $rowp (i32.add (local.get $rowp) (i32.const 32)))
                (local.set $row (i32.add (local.get $row) (i32.const 1)))
                (br $next))))
          (else
            (block $done
              (loop $next
                (br_if $done (i32.ge_u (local.get $row) (local.get $rows)))
                (local.set $r0 (i64.load (local.get $rowp)))
                (local.set $r1 (i64.load offset=8 (local.get $rowp)))
                (local.set $r2 (i64.load offset=16 (local.get $rowp)))
                (local.set $r3 (i64.load offset=24 (local.get $rowp)))
                (local.set $qp (i32.load (i32.const 28)))
                (global.set $v (i32.const 0))
                (block $variants_done
                  (loop $variant
                    (br_if $variants_done (i32.ge_u (local.get $qp) (local.get $qend)))
                    ;; Several queries make the loop compute-bound: the first 128 bits
                    ;; alone nearly always exceed T, and then the rest cannot bring it back.
                    (local.set $d
                      (i32.wrap_i64
                        (i64.add
                          (i64.popcnt (i64.xor (local.get $r0) (i64.load (local.get $qp))))
                          (i64.popcnt (i64.xor (local.get $r1) (i64.load offset=8 (local.get $qp)))))))
                    (if (i32.le_u (local.get $d) (local.get $T))
                      (then
                        (local.set $d
                          (i32.add (local.get $d)
                            (i32.wrap_i64
                              (i64.add
                                (i64.popcnt (i64.xor (local.get $r2) (i64.load offset=16 (local.get $qp))))
                                (i64.popcnt (i64.xor (local.get $r3) (i64.load offset=24 (local.get $qp)))))))))
                      (else (local.set $d (i32.const 0x10000))))
                    (if (i32.le_u (local.get $d) (local.get $T))
                      (then
                        (if (i32.eqz (call $is_dead (local.get $row)))
                          (then (call $emit (local.get $row) (local.get $d))))))
                    (local.set $qp (i32.add (local.get $qp) (i32.const 32)))
                    (global.set $v (i32.add (global.get $v) (i32.const 1)))
                    (br $variant)))
                (local.set $rowp (i32.add (local.get $rowp) (i32.const 32)))
                (local.set $row (i32.add (local.get $row) (i32.const 1)))
                (br $next))))))
      (else
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $row) (local.get $rows)))
            (local.set $r0 (i64.load (local.get $rowp)))
            (local.set $qp (i32.load (i32.const 28)))
            (global.set $v (i32.const 0))
            (block $variants_done
              (loop $variant
                (br_if $variants_done (i32.ge_u (local.get $qp) (local.get $qend)))
                (local.set $d (i32.wrap_i64 (i64.popcnt (i64.xor (local.get $r0) (i64.load (local.get $qp))))))
                (if (i32.le_u (local.get $d) (local.get $T))
                  (then
                    (if (i32.eqz (call $is_dead (local.get $row)))
                      (then (call $emit (local.get $row) (local.get $d))))))
                (local.set $qp (i32.add (local.get $qp) (i32.const 8)))
                (global.set $v (i32.add (global.get $v) (i32.const 1)))
                (br $variant)))
            (local.set $rowp (i32.add (local.get $rowp) (i32.const 8)))
            (local.set $row (i32.add (local.get $row) (i32.const 1)))
            (br $next)))))
    (call $result))
  ;; ---- Building a segment's tables (build.ts runs these per slot, in row ranges, so it can pause) ----

  ;; Counts rows [from, to) into table[prefix + 1] for slot k.
  (func (export "build_count") (param $k i32) (param $from i32) (param $to i32)
    (local $rec i32)
    (local $start i32)
    (local $width i32)
    (local $rbits i32)
    (local $table i32)
    (local $hashes i32)
    (local $hashBytes i32)
    (local $row i32)
    (local $at i32)
    (local.set $rec (i32.add (i32.load (i32.const 24)) (i32.shl (local.get $k) (i32.const 5))))
    (local.set $start (i32.load (local.get $rec)))
    (local.set $width (i32.load offset=4 (local.get $rec)))
    (local.set $rbits (i32.load offset=12 (local.get $rec)))
    (local.set $table (i32.add (i32.load offset=16 (local.get $rec)) (i32.const 4)))
    (local.set $hashes (i32.load (i32.const 8)))
    (local.set $hashBytes (i32.shl (i32.load (i32.const 4)) (i32.const 3)))
    (local.set $row (local.get $from))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $row) (local.get $to)))
        (local.set $at
          (i32.add (local.get $table)
            (i32.shl
              (i32.shr_u
                (call $key
                  (i32.add (local.get $hashes) (i32.mul (local.get $row) (local.get $hashBytes)))
                  (local.get $start) (local.get $width))
                (local.get $rbits))
              (i32.const 2))))
        (i32.store (local.get $at) (i32.add (i32.load (local.get $at)) (i32.const 1)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $next))))

  ;; Turns counts into bucket starts: table[t] = sum of counts of buckets below t.
  (func (export "build_prefix") (param $k i32)
    (local $rec i32)
    (local $at i32)
    (local $end i32)
    (local $sum i32)
    (local.set $rec (i32.add (i32.load (i32.const 24)) (i32.shl (local.get $k) (i32.const 5))))
    (local.set $at (i32.load offset=16 (local.get $rec)))
    (local.set $end
      (i32.add (local.get $at) (i32.shl (i32.shl (i32.const 1) (i32.load offset=8 (local.get $rec))) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.gt_u (local.get $at) (local.get $end)))
        (local.set $sum (i32.add (local.get $sum) (i32.load (local.get $at))))
        (i32.store (local.get $at) (local.get $sum))
        (local.set $at (i32.add (local.get $at) (i32.const 4)))
        (br $next))))

  ;; Places rows [from, to) into slot k's postings; table[t] advances from bucket t's start to its end.
  (func (export "build_scatter") (param $k i32) (param $from i32) (param $to i32)
    (local $rec i32)
    (local $start i32)
    (local $width i32)
    (local $rbits i32)
    (local $rmask i32)
    (local $table i32)
    (local $post i32)
    (local $hashes i32)
    (local $hashBytes i32)
    (local $row i32)
    (local $key i32)
    (local $at i32)
    (local $slot i32)
    (local.set $rec (i32.add (i32.load (i32.const 24)) (i32.shl (local.get $k) (i32.const 5))))
    (local.set $start (i32.load (local.get $rec)))
    (local.set $width (i32.load offset=4 (local.get $rec)))
    (local.set $rbits (i32.load offset=12 (local.get $rec)))
    (local.set $rmask (i32.sub (i32.shl (i32.const 1) (local.get $rbits)) (i32.const 1)))
    (local.set $table (i32.load offset=16 (local.get $rec)))
    (local.set $post (i32.load offset=20 (local.get $rec)))
    (local.set $hashes (i32.load (i32.const 8)))
    (local.set $hashBytes (i32.shl (i32.load (i32.const 4)) (i32.const 3)))
    (local.set $row (local.get $from))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $row) (local.get $to)))
        (local.set $key
          (call $key
            (i32.add (local.get $hashes) (i32.mul (local.get $row) (local.get $hashBytes)))
            (local.get $start) (local.get $width)))
        (local.set $at
          (i32.add (local.get $table) (i32.shl (i32.shr_u (local.get $key) (local.get $rbits)) (i32.const 2))))
        (local.set $slot (i32.load (local.get $at)))
        (i32.store (local.get $at) (i32.add (local.get $slot) (i32.const 1)))
        (i32.store
          (i32.add (local.get $post) (i32.shl (local.get $slot) (i32.const 2)))
          (i32.or (i32.shl (local.get $row) (local.get $rbits)) (i32.and (local.get $key) (local.get $rmask))))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $next))))

  ;; After the scatter, table[t] holds bucket t's end; shifting up one restores the starts.
  (func (export "build_restore") (param $k i32)
    (local $rec i32)
    (local $table i32)
    (local $at i32)
    (local.set $rec (i32.add (i32.load (i32.const 24)) (i32.shl (local.get $k) (i32.const 5))))
    (local.set $table (i32.load offset=16 (local.get $rec)))
    (local.set $at
      (i32.add (local.get $table)
        (i32.shl (i32.sub (i32.shl (i32.const 1) (i32.load offset=8 (local.get $rec))) (i32.const 1)) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.le_u (local.get $at) (local.get $table)))
        (i32.store (local.get $at) (i32.load (i32.sub (local.get $at) (i32.const 4))))
        (local.set $at (i32.sub (local.get $at) (i32.const 4)))
        (br $next)))
    (i32.store (local.get $table) (i32.const 0)))
)
