import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { ivyModuleXml, ivySettingsXml, retrievedName, xmlAttr } from "./ivy-files.js";
import { basicRealm } from "./realm.js";
import { sparkDefaultsConf, sparkJarsValue, sparkPackagesProperties } from "./spark-conf.js";

/** Parsed XML, read loosely: the tests check its shape themselves. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed XML of any shape, read loosely
type Xml = any;
const parse = (xml: string): Xml =>
  new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "", isArray: (n) => ["dependency", "artifact", "ibiblio", "credentials"].includes(n) }).parse(xml) as Xml;

describe("Ivy files", () => {
  it("merges coordinates of one module into one dependency (Ivy keeps only the last of two)", () => {
    const doc = parse(
      ivyModuleXml([
        { group: "g", artifact: "a", version: "1" },
        { group: "g", artifact: "a", version: "1", classifier: "tests" },
        { group: "g", artifact: "b", version: "[1.0,2.0)" },
      ]),
    );
    const deps = doc["ivy-module"].dependencies.dependency;
    expect(deps).toHaveLength(2);
    expect(deps[0]).toMatchObject({ org: "g", name: "a", rev: "1", conf: "default->default(runtime)" });
    expect(deps[0].artifact).toEqual([
      { name: "a", type: "jar", ext: "jar" },
      { name: "a", type: "jar", ext: "jar", "m:classifier": "tests" },
    ]);
    expect(deps[1]).toMatchObject({ name: "b", rev: "[1.0,2.0)" });
    expect(deps[1].artifact).toBeUndefined();
  });

  it("chains one m2-compatible resolver per repository in order, and escapes every value", () => {
    const xml = ivySettingsXml({
      repositories: ["https://one.example/m2", "file:///srv/two"],
      cacheDir: "/tmp/a&b/cache",
      resolutionCacheDir: "/tmp/r",
      credentials: [{ host: "one.example", realm: 'R "x"', username: "u<", password: "p&'\"" }],
    });
    const doc = parse(xml)["ivysettings"];
    expect(doc.resolvers.chain.ibiblio.map((r: Xml) => [r.root, r.m2compatible])).toEqual([
      ["https://one.example/m2", "true"],
      ["file:///srv/two", "true"],
    ]);
    // Every value reads back exactly as given.
    expect(doc.caches.defaultCacheDir).toBe("/tmp/a&b/cache");
    expect(doc.credentials).toEqual([{ host: "one.example", realm: 'R "x"', username: "u<", passwd: "p&'\"" }]);
    expect(xml).toContain('passwd="p&amp;&apos;&quot;"');
    expect(xml).toContain('realm="R &quot;x&quot;"');
    expect(xmlAttr("a\nb")).toBe("a&#10;b");
  });

  it("names retrieved jars by organisation, artifact, revision and classifier", () => {
    expect(retrievedName({ organisation: "g.h", artifact: "a", revision: "1", ext: "jar" })).toBe("g.h__a-1.jar");
    expect(retrievedName({ organisation: "g", artifact: "a", revision: "1", classifier: "tests", ext: "jar" })).toBe("g__a-1-tests.jar");
  });
});

describe("spark-defaults.conf", () => {
  it("writes sorted properties, escaping what java.util.Properties would read differently", () => {
    expect(sparkDefaultsConf({ "spark.jars": "C:\\jars\\a.jar", "spark.a": " lead" }, "hdr")).toBe(
      "# hdr\nspark.a \\ lead\nspark.jars C:\\\\jars\\\\a.jar\n",
    );
  });

  it("refuses a jar path with a comma (spark.jars is comma-separated)", () => {
    expect(() => sparkJarsValue(["/a,b/x.jar"])).toThrow(/commas/);
    expect(sparkJarsValue(["/a.jar", "/b.jar"])).toBe("/a.jar,/b.jar");
  });

  it("with precache off lists packages and repositories for Spark's own resolver", () => {
    expect(sparkPackagesProperties({ packages: ["g:a:1", "g:b:2"], repositories: [], precache: false }, "/x/ivy")).toEqual({
      "spark.jars.packages": "g:a:1,g:b:2",
      "spark.jars.ivy": "/x/ivy",
    });
    expect(sparkPackagesProperties({ packages: ["g:a:1"], repositories: ["https://r1", "file:///r2"], precache: false }, "/i")["spark.jars.repositories"]).toBe(
      "https://r1,file:///r2",
    );
  });
});

describe("Basic auth realm of a challenge", () => {
  it.each([
    ['Basic realm="Sonatype Nexus Repository Manager"', "Sonatype Nexus Repository Manager"],
    ['basic charset="UTF-8", realm="Artifactory Realm"', "Artifactory Realm"],
    ["Basic realm=simple", "simple"],
    ['Basic realm="with \\"quotes\\""', 'with "quotes"'],
  ])("%s → %s", (header, realm) => {
    expect(basicRealm(header)).toBe(realm);
  });

  it("no realm for other schemes or no header", () => {
    expect(basicRealm('Bearer realm="https://auth.example/token"')).toBeUndefined();
    expect(basicRealm(null)).toBeUndefined();
  });
});
