/**
 * Where the efh1 contract is pinned down (HASH.md is the contract itself). Nothing in this folder
 * may change a hash; these tests, outside core because they load every bundled plugin, fail first:
 *
 * - `test/hash/golden.test.ts` — frozen hashes and canonical texts of the definitions in
 *   `test/hash/golden/` (`golden.json`); a changed value there is an `efh2`, never a fix.
 * - `test/hash/conformance.test.ts` — the contract's vectors (pairs that must hash equal or
 *   different), read in place from `../shared/conformance/cases` (`test/support/paths.ts`).
 * - `test/hash/properties.test.ts` — properties over generated definitions: sets are order-free,
 *   sequences are not, canonicalizing is idempotent, every build-relevant change moves the hash.
 * - `test/hash/real-world.test.ts` — definitions as other people wrote them (`../shared/real-world`).
 *
 * Beside the code: `canonical.test.ts`, `canonical-set.test.ts`, `sorted-set.test.ts`.
 */
export {};
