import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalizeRepository, PLAIN_URL } from "./repositories.js";

/** URLs near the plain form and just outside it: case, ports, IPv4, punycode, dot segments, escapes. */
const label = fc.constantFrom("repo", "example", "org", "maven2", "a-b", "repo", "example", "org", "maven2", "a-b", "a--b", "xn--bcher-kva", "0x7f", "127", "1", "EXAMPLE", "x_y", "");
const segment = fc.constantFrom("maven2", "a.b", "maven2", "a.b", "~u", "A_B", "x-y", ".", "..", "~u", "a%2e", "%2E%2E", "A_B", "x-y", "", "a b", "ü");
const url = fc
  .tuple(
    fc.constantFrom("https://", "http://", "https://", "https://", "HTTPS://", "file://", "ftp://", "https:/"),
    fc.option(fc.constantFrom("user@", "u:p@"), { freq: 2 }),
    fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join(".")),
    fc.option(fc.constantFrom(":443", ":80", ":8081", ":"), { freq: 2 }),
    fc.array(segment, { maxLength: 4 }).map((s) => s.map((x) => `/${x}`).join("")),
    fc.constantFrom("", "", "", "", "/", "//", "?q", "#f"),
  )
  .map((parts) => parts.map((p) => p ?? "").join(""));

describe("PLAIN_URL (repository URLs read without URL parsing)", () => {
  it("matches only URLs WHATWG parsing leaves as written, so normalizing them gives what URL gives", () => {
    let plain = 0;
    fc.assert(
      fc.property(url, (text) => {
        if (!PLAIN_URL.test(text)) return;
        plain++;
        const parsed = new URL(text);
        expect({ user: parsed.username, password: parsed.password, search: parsed.search, hash: parsed.hash }).toEqual({ user: "", password: "", search: "", hash: "" });
        expect(parsed.host).not.toBe("");
        expect(normalizeRepository(text)).toBe(parsed.href.replace(/\/+$/, ""));
      }),
      { numRuns: 20000 },
    );
    expect(plain).toBeGreaterThan(200);
  });

  it("leaves the spellings URL rewrites to it", () => {
    expect(normalizeRepository("https://repo.example.org/maven2/")).toBe("https://repo.example.org/maven2");
    for (const text of ["HTTPS://Repo.example.org", "https://repo.example.org:443/m", "https://0x7f.1/m", "https://h/a/../b", "https://h/%7e", "https://xn--bcher-kva.example"]) {
      expect(PLAIN_URL.test(text)).toBe(false);
    }
  });
});
