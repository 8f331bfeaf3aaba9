import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freezeFromReport } from "./install-report.js";
import { planFastVenv } from "./venv-seed.js";

const root = mkdtempSync(path.join(os.tmpdir(), "envforge-seed-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const pipDir = path.join(root, "site-packages", "pip");
mkdirSync(pipDir, { recursive: true });
writeFileSync(path.join(pipDir, "__pip-runner__.py"), "");
const pipWheel = path.join(root, "bundled", "pip-23.2.1-py3-none-any.whl");
mkdirSync(path.dirname(pipWheel), { recursive: true });
writeFileSync(pipWheel, "not really a wheel");
const interpreter = { version: "3.11.7", executable: "/usr/bin/python3.11", pipDir, pipWheel };
const parts = (requirements: string[], more: { constraints?: string[]; options?: string[] } = {}) => ({ requirements, constraints: more.constraints ?? [], options: more.options ?? [] });
let n = 0;
const work = () => path.join(root, `work-${++n}`);

describe("the fast venv: the base interpreter's pip fills a venv made --without-pip", () => {
  it("runs pip through its runner and installs the pip wheel ensurepip would have, from its own folder", async () => {
    const dir = work();
    const plan = await planFastVenv(interpreter, parts(["requests>=2", "rich"]), undefined, dir);
    expect(plan?.pip).toEqual([path.join(pipDir, "__pip-runner__.py")]);
    expect(plan?.seed).toEqual({ line: "pip==23.2.1", findLinks: path.join(dir, "pip-seed"), version: "23.2.1" });
    // Only the wheel is in the folder: its neighbours never become candidates for the user's requirements.
    expect(readFileSync(path.join(dir, "pip-seed", "pip-23.2.1-py3-none-any.whl"), "utf8")).toBe("not really a wheel");
  });

  it("gives the pip line a hash where pip checks hashes (a lock, hashed requirements): one hash turns the mode on for all", async () => {
    const sha = `sha256:${createHash("sha256").update("not really a wheel").digest("hex")}`;
    expect((await planFastVenv(interpreter, parts(["a==1"]), [{ name: "a" }], work()))?.seed?.line).toBe(`pip==23.2.1 --hash=${sha}`);
    expect((await planFastVenv(interpreter, parts(["a==1 --hash=sha256:00"]), undefined, work()))?.seed?.line).toBe(`pip==23.2.1 --hash=${sha}`);
  });

  it("installs no pip of its own when the definition or its lock names pip", async () => {
    expect(await planFastVenv(interpreter, parts(["Pip>=24", "rich"]), undefined, work())).toEqual({ pip: [path.join(pipDir, "__pip-runner__.py")] });
    expect((await planFastVenv(interpreter, parts(["rich"]), [{ name: "rich" }, { name: "PIP" }], work()))?.seed).toBeUndefined();
    // A project whose name only starts with pip is not pip.
    expect((await planFastVenv(interpreter, parts(["pip-tools==7"]), undefined, work()))?.seed?.line).toBe("pip==23.2.1");
  });

  it("leaves the venv to ensurepip when the interpreter has no pip runner or wheel, a constraint names pip, or wheels are refused", async () => {
    expect(await planFastVenv({ ...interpreter, pipDir: undefined }, parts(["a"]), undefined, work())).toBeUndefined();
    expect(await planFastVenv({ ...interpreter, pipWheel: undefined }, parts(["a"]), undefined, work())).toBeUndefined();
    expect(await planFastVenv({ ...interpreter, pipDir: path.join(root, "old-pip") }, parts(["a"]), undefined, work())).toBeUndefined();
    expect(await planFastVenv(interpreter, parts(["a"], { constraints: ["pip<23"] }), undefined, work())).toBeUndefined();
    expect(await planFastVenv(interpreter, parts(["a"], { options: ["--no-binary=:all:"] }), undefined, work())).toBeUndefined();
    expect(await planFastVenv(interpreter, parts(["a"], { constraints: ["rich<14"], options: ["--pre"] }), undefined, work())).toBeDefined();
  });
});

describe("pip freeze --all from the install report", () => {
  const item = (name: string, version: string, more: Record<string, unknown> = {}) => ({ is_direct: false, metadata: { name, version }, download_info: { url: `file:///w/${name}.whl`, archive_info: {} }, ...more });
  const report = (...install: unknown[]) => JSON.stringify({ version: "1", pip_version: "23.2.1", install });

  it("is name==version per distribution, ordered by name as freeze orders them", () => {
    expect(freezeFromReport(report(item("pip", "23.2.1"), item("Envforge-Hello", "1.0.0"), item("envforge-greeting", "1.2.0")))).toBe("envforge-greeting==1.2.0\nEnvforge-Hello==1.0.0\npip==23.2.1\n");
    expect(freezeFromReport(report())).toBe("");
  });

  it("leaves to freeze whatever it would print otherwise: direct URLs, folders, editables, rewritten names, unnormalized versions, another format", () => {
    expect(freezeFromReport(report(item("a", "1"), item("b", "1", { is_direct: true })))).toBeUndefined();
    expect(freezeFromReport(report(item("a", "1", { download_info: { url: "file:///src/a", dir_info: { editable: true } } })))).toBeUndefined();
    expect(freezeFromReport(report(item("a_b", "1")))).toBeUndefined();
    expect(freezeFromReport(report(item("a", "1.0-1")))).toBeUndefined();
    expect(freezeFromReport(report(item("a", "v1.0")))).toBeUndefined();
    expect(freezeFromReport(JSON.stringify({ version: "2", install: [] }))).toBeUndefined();
    expect(freezeFromReport("{not json")).toBeUndefined();
  });
});

