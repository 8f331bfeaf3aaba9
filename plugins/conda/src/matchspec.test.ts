import { beforeAll, describe, expect, it } from "vitest";
import { MatchSpecError, parseMatchSpec, prepareMatchSpecs } from "./matchspec.js";

beforeAll(prepareMatchSpecs);

const canon = (s: string) => parseMatchSpec(s).canonical;

describe("MatchSpec canonical form", () => {
  // Each group: spellings conda treats alike (conda/models/match_spec.py rules and its tests).
  const alike: [string, string[]][] = [
    ["numpy", ["numpy", " numpy ", "NumPy", "numpy *", "numpy[version=*]", "numpy * *"]],
    ["numpy >=1.18", ["numpy>=1.18", "numpy >=1.18", "numpy >= 1.18", "numpy>=01.18", "numpy[version='>=1.18']", 'numpy[version=">=1.18"]']],
    ["numpy 1.18.*", ["numpy=1.18", "numpy 1.18.*", "numpy 1.18*", "numpy=1.18.*", "numpy[version='1.18.*']", "numpy[version=1.18*]", "numpy[version='=1.18']"]],
    ["numpy ==1.18", ["numpy==1.18", "numpy 1.18", "numpy[version=1.18]", "numpy[version='==1.18']", "numpy ==01.18", "numpy==1.18.0", "numpy 1.18.0.0"]],
    // conda pads versions with zeros when it compares them; not when it matches a prefix.
    ["numpy <2,>=1.18", ["numpy>=1.18.0,<2.0", "numpy <2.0.0,>=1.18"]],
    ["numpy 1.18.0.*", ["numpy=1.18.0", "numpy 1.18.0.*"]],
    ["numpy ~=1.10.0", ["numpy~=1.10.0"]],
    ["numpy ==1+local.0", ["numpy==1.0+local.0"]],
    ["numpy <2,>=1", ["numpy>=1,<2", "numpy <2,>=1", "numpy >=1, <2", "numpy >=1 , < 2", "numpy>=1,<2,>=1"]],
    ["numpy ==1.18 py38_0", ["numpy=1.18=py38_0", "numpy==1.18=py38_0", "numpy 1.18 py38_0", "numpy ==1.18 py38_0", "numpy[version=1.18,build=py38_0]", "numpy[version=1.18 build=py38_0]", "numpy[version=1.18, build_string=py38_0]"]],
    ["numpy 1.18.* py3*_2", ["numpy=1.18.*=py3*_2", "numpy 1.18.* py3*_2", "numpy[version=1.18.*,build=py3*_2]"]],
    ["ipywidgets 8.*", ["ipywidgets==8.*", "ipywidgets 8.*", "ipywidgets=8"]],
    ["python 3.10.*", ["python=3.10", "python 3.10.*", "python=3.10.*"]],
    ["numpy <1.7|>=1.8", ["numpy >=1.8|<1.7", "numpy <1.7|>=1.8", "numpy[version='>=1.8|<1.7']"]],
    ["numpy !=1.10", ["numpy!=1.10", "numpy !=1.10"]],
    ["numpy ~=1.10.1", ["numpy~=1.10.1", "numpy ~=1.10.1"]],
    ["numpy ==1.0a1", ["numpy 1.0A1", "numpy==1.0a1"]],
    ["blas * openblas", ["blas * openblas", "blas[build=openblas]"]],
    ["conda-forge::numpy 1.26.*", ["conda-forge::numpy=1.26", "conda-forge::numpy 1.26.*", "numpy=1.26[channel=conda-forge]", "numpy[channel=conda-forge,version=1.26.*]"]],
    ["conda-forge/linux-64::numpy", ["conda-forge/linux-64::numpy", "numpy[channel=conda-forge,subdir=linux-64]", "numpy[channel=conda-forge/linux-64]"]],
    ["numpy[subdir=win-32]", ["*/win-32::numpy", "numpy[subdir=win-32]"]],
    ["https://repo.example.org/pkgs/main::numpy", ["https://repo.example.org/pkgs/main::numpy", "https://repo.example.org/pkgs/main/::numpy"]],
    ["numpy[build_number=3,version=1.18.*]", ["numpy=1.18[build_number=3]", "numpy[build_number='==3', version=1.18.*]", "numpy[version=1.18.*,build_number=03]"]],
    ["numpy[md5=0123456789abcdef0123456789abcdef]", ["numpy[md5=0123456789ABCDEF0123456789ABCDEF]"]],
    ["numpy[version='(1.6.*|==1.8),<2']", ["numpy[version='(1.6.*|1.8),<2']", "numpy[version='<2,(1.8|1.6.*)']"]],
  ];
  for (const [expected, forms] of alike) {
    it(`${expected} ← ${forms.join(" | ")}`, () => {
      for (const form of forms) expect(canon(form), form).toBe(expected);
    });
  }

  it("keeps what conda distinguishes apart", () => {
    const distinct = ["numpy=1.18", "numpy==1.18", "numpy>=1.18", "numpy>1.18", "numpy=1.18.0", "numpy 1.18 py38_0", "numpy 1.18 PY38_0", "conda-forge::numpy", "defaults::numpy", "numpy[license=bsd]"];
    const seen = new Set(distinct.map(canon));
    expect(seen.size).toBe(distinct.length);
  });

  it("is idempotent", () => {
    for (const [expected] of alike) expect(canon(expected)).toBe(expected);
  });

  it("strips a comment after #", () => {
    expect(canon("numpy=1.18  # pinned for scipy")).toBe("numpy 1.18.*");
  });

  it("keeps a package URL as written and takes the name from its file", () => {
    const url = "https://conda.example.org/main/linux-64/numpy-1.26.4-py312h_0.conda";
    const spec = parseMatchSpec(url);
    expect(spec).toMatchObject({ name: "numpy", canonical: url, pinned: true });
  });

  it("knows which specs are pinned", () => {
    const pinned = ["numpy=1.18", "numpy==1.18", "numpy<2", "numpy>=1,<2", "numpy~=1.10", "numpy 1.18 py_0", "numpy 1.6.*|1.7.*", "numpy[md5=0123456789abcdef0123456789abcdef]"];
    const unpinned = ["numpy", "numpy>=1.18", "numpy>1", "numpy!=1.2", "numpy >=1.8|1.7.*", "blas * openblas", "numpy[build_number=3]"];
    for (const s of pinned) expect(parseMatchSpec(s).pinned, s).toBe(true);
    for (const s of unpinned) expect(parseMatchSpec(s).pinned, s).toBe(false);
  });
});

describe("malformed MatchSpecs", () => {
  const bad: [string, RegExp][] = [
    ["", /empty MatchSpec/],
    ["   ", /empty MatchSpec/],
    ["numpy>=", /missing version/],
    ["numpy==", /missing version/],
    ["numpy >=1.2.3.", /invalid version/],
    ["numpy 1..2", /invalid version/],
    [">=1.18", /no package name/],
    ["conda-forge::", /no package name/],
    ["num$py", /invalid package name/],
    ["nu*py", /invalid package name/],
    ["numpy[version=1.2", /malformed brackets/],
    ["numpy[version=1.2] extra", /malformed brackets/],
    ["numpy[bogus=1]", /unknown key "bogus"/],
    ["numpy[version=]", /empty value/],
    ["numpy[version='1.2]", /unterminated quote/],
    ["numpy[version=1,version=2]", /given twice/],
    ["numpy[md5=xyz]", /invalid md5/],
    ["numpy[build_number=x]", /invalid build_number/],
    ["numpy (optional)", /parentheses/],
    ["conda-forge:numpy", /single ":"/],
    ["::numpy", /empty channel/],
    ["numpy 1.2 py 27", /too many parts/],
    ["numpy 1.2 py$27", /invalid build string/],
    ["mkl@", /legacy feature/],
    ["numpy if __unix", /conditional/],
    ["./numpy-1.0-0.tar.bz2", /local package file/],
    ["https://x.org/numpy.conda", /not a conda package file name/],
  ];
  for (const [spec, message] of bad) {
    it(JSON.stringify(spec), () => {
      let error: unknown;
      try {
        parseMatchSpec(spec);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MatchSpecError);
      expect((error as MatchSpecError).message).toMatch(message);
      expect((error as MatchSpecError).hint.length).toBeGreaterThan(10);
    });
  }
});
