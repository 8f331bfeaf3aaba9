import { LOCK_SECTION, type Engine, type ImageFragmentContext } from "@envforge/core/plugin-kit";
import { IMAGE_VENV, type SectionFragment } from "./generator.js";
import { pythonFragment } from "./python-fragment.js";
import { DOCKER_SECTION } from "./section.js";

/**
 * Asks each section of the canonical spec for its part of the image (`hooks.imageFragment`).
 * The interpreter checks fill in for the python section, which core owns; a section no loaded
 * plugin puts into an image is a warning. Returns the venv to put on PATH, if any.
 */
export async function collectImageFragments(
  engine: Engine,
  ctx: ImageFragmentContext,
): Promise<{ fragments: SectionFragment[]; venv: string | undefined }> {
  const sections = ctx.canonical.sections;
  const fragments: SectionFragment[] = [];
  const python = sections.python as { userManaged?: boolean; version?: string; interpreterPath?: string } | undefined;
  const userManaged = python?.userManaged === true;
  const withConda = sections.conda !== undefined;
  if (!userManaged && withConda && python?.interpreterPath !== undefined) {
    ctx.warn("W_INTERPRETER_IGNORED", `python.interpreterPath ${python.interpreterPath} is not used in the image: the conda environment brings its own interpreter`, "drop interpreterPath, or python.conda to build a venv from it");
  }
  const pipHooked = engine.hooks.imageFragment.get("pip")?.isUsed() === true;
  let pipChecksPython = false;
  // Sorted, so pip's fragment is known before python's checks are chosen.
  for (const section of Object.keys(sections).sort()) {
    if (section === DOCKER_SECTION) continue; // the base and the steps: the generator's own
    if (section === LOCK_SECTION) continue; // read by the generator (FROM) and each section's fragment
    const value = sections[section]!;
    const hook = engine.hooks.imageFragment.get(section);
    if (hook?.isUsed()) {
      const fragment = await hook.promise(value, ctx);
      if (fragment) fragments.push({ section, fragment });
      if (section === "pip") pipChecksPython = fragment?.checksPythonVersion === true;
    } else if (section === "python") {
      // pip's fragment checks the version where it creates the venv (it says so), conda where
      // it solves; otherwise the image's python3 is checked on its own.
      const checkSystemPython = !pipChecksPython && sections.conda === undefined;
      const fragment = pythonFragment(value, { checkSystemPython, withConda });
      if (fragment) fragments.push({ section, fragment });
    } else {
      ctx.warn(
        "W_NO_IMAGE_FRAGMENT",
        `no loaded plugin puts the section "${section}" into an image; the image will not contain it`,
        `load the plugin for "${section}" with image support, or build a non-image target`,
      );
    }
  }
  // pip fragments install into IMAGE_VENV; with conda, the conda fragment owns the environment.
  const venv = pipHooked && sections.pip !== undefined && sections.conda === undefined && !userManaged ? IMAGE_VENV : undefined;
  return { fragments, venv };
}

/**
 * The sections an image carries (`engine.targets` of docker and podman): its own, the interpreter
 * (built-in checks), and any section a loaded plugin has an image fragment for.
 */
export function imageCarries(engine: Engine): (section: string) => boolean {
  return (section) => section === DOCKER_SECTION || section === "python" || engine.hooks.imageFragment.get(section)?.isUsed() === true;
}
