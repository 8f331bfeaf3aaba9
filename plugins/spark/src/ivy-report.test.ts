import { describe, expect, it } from "vitest";
import { describeConflict, parseIvyReport, resolveFailures, resolvedArtifacts, versionConflicts } from "./ivy-report.js";

/** Shaped like the report Ivy 2.5 writes (trimmed to the attributes the plugin reads). */
const REPORT = `<?xml version="1.0" encoding="UTF-8"?>
<?xml-stylesheet type="text/xsl" href="ivy-report.xsl"?>
<ivy-report version="1.0">
  <info organisation="envforge" module="spark-packages" revision="1" conf="default" confs="default" date="20260101000000"/>
  <dependencies>
    <module organisation="com.example" name="app">
      <revision name="1.0.0" status="release" resolver="repo-0" downloaded="true" conf="default" position="0">
        <caller organisation="envforge" name="spark-packages" conf="default" rev="1.0.0" callerrev="1"/>
        <artifacts>
          <artifact name="app" type="jar" ext="jar" status="successful" details="" size="456" location="/c/app-1.0.0.jar">
            <origin-location is-local="true" location="file:/repo/com/example/app/1.0.0/app-1.0.0.jar"/>
          </artifact>
          <artifact name="app" type="jar" ext="jar" extra-1.m.classifier="tests" status="successful" details="" location="/c/app-1.0.0-tests.jar">
            <origin-location is-local="true" location="file:/repo/com/example/app/1.0.0/app-1.0.0-tests.jar"/>
          </artifact>
        </artifacts>
      </revision>
    </module>
    <module organisation="com.example" name="util">
      <revision name="2.0-RC1" status="release" downloaded="true" position="2">
        <caller organisation="com.example" name="app" conf="default" rev="2.0-RC1" callerrev="1.0.0"/>
        <artifacts>
          <artifact name="util" type="bundle" ext="jar" status="successful" details="" location="/c/util.jar"/>
        </artifacts>
      </revision>
      <revision name="2.0" evicted="latest-revision" evicted-reason="" downloaded="false" position="-1">
        <evicted-by rev="2.0-RC1"/>
        <caller organisation="envforge" name="spark-packages" conf="default" rev="2.0" callerrev="1"/>
        <artifacts></artifacts>
      </revision>
      <revision name="1.5" evicted="latest-revision" evicted-reason="" downloaded="false" position="-1">
        <evicted-by rev="2.0-RC1"/>
        <caller organisation="com.example" name="lib" conf="compile, runtime" rev="1.5" callerrev="1.0"/>
        <artifacts>
        </artifacts>
      </revision>
    </module>
    <module organisation="com.example" name="ghost">
      <revision name="3.0" error="not found" downloaded="false" position="-1">
        <caller organisation="com.example" name="needs-ghost" conf="default" rev="3.0" callerrev="1.0"/>
        <artifacts></artifacts>
      </revision>
    </module>
    <module organisation="com.example" name="broken">
      <revision name="1.0" status="release" position="3">
        <caller organisation="envforge" name="spark-packages" conf="default" rev="1.0" callerrev="1"/>
        <artifacts>
          <artifact name="broken" type="jar" ext="jar" extra-1.m.classifier="linux" status="failed" details="missing artifact" size="0"/>
        </artifacts>
      </revision>
    </module>
  </dependencies>
</ivy-report>
`;

const report = await parseIvyReport(REPORT);

describe("Ivy resolve report", () => {
  it("lists every kept artifact with its classifier and origin, skipping evicted and failed ones", () => {
    expect(
      resolvedArtifacts(report).map((r) => `${r.organisation}:${r.module}:${r.revision}:${r.artifact.classifier ?? ""}:${r.artifact.type}`),
    ).toEqual(["com.example:app:1.0.0::jar", "com.example:app:1.0.0:tests:jar", "com.example:util:2.0-RC1::bundle"]);
    expect(resolvedArtifacts(report)[1]!.artifact.origin).toBe("file:/repo/com/example/app/1.0.0/app-1.0.0-tests.jar");
  });

  it("reports missing modules and missing jars with who needed them", () => {
    expect(resolveFailures(report)).toEqual([
      { coordinate: "com.example:ghost:3.0", kind: "module", reason: "not found", neededBy: ["com.example:needs-ghost:1.0"] },
      { coordinate: "com.example:broken:1.0:linux", kind: "artifact", reason: "missing artifact", neededBy: ["spark.packages"] },
    ]);
  });

  it("reports conflicts, ordered by Maven, flagging a direct package overridden and a Maven-order downgrade", () => {
    const conflicts = versionConflicts(report);
    expect(conflicts).toEqual([
      {
        module: "com.example:util",
        selected: "2.0-RC1",
        evicted: [
          { version: "1.5", wantedBy: ["com.example:lib:1.0"] },
          { version: "2.0", wantedBy: ["spark.packages"] },
        ],
        downgrade: true,
      },
    ]);
    const line = describeConflict(conflicts[0]!);
    expect(line).toContain("com.example:util: 2.0-RC1 is used; evicted 1.5 (wanted by com.example:lib:1.0), 2.0 (wanted by spark.packages)");
    expect(line).toContain("a version listed in spark.packages was overridden");
    expect(line).toContain("Maven orders an evicted version above 2.0-RC1");
  });

  it("an empty or foreign document has no modules", async () => {
    expect((await parseIvyReport("<ivy-report/>")).modules).toEqual([]);
    expect((await parseIvyReport("<other/>")).modules).toEqual([]);
  });
});
