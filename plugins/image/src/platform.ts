import { createError } from "@envforge/core/plugin-kit";
import type { ValueSite } from "./reference.js";

/** Operating systems an OCI image config may name (Go's GOOS values that images use). */
const OPERATING_SYSTEMS = ["aix", "darwin", "freebsd", "illumos", "linux", "netbsd", "openbsd", "solaris", "windows"];

/** Architectures with their accepted variants (Go's GOARCH names, as containerd's platforms package uses). */
const ARCHITECTURES: Record<string, string[]> = {
  "386": [],
  amd64: ["v1", "v2", "v3", "v4"],
  arm: ["v5", "v6", "v7", "v8"],
  arm64: ["v8", "v8.1", "v8.2", "v8.3", "v8.4", "v8.5", "v9", "v9.1", "v9.2"],
  loong64: [],
  mips: [],
  mips64: [],
  mips64le: [],
  mipsle: [],
  ppc64: [],
  ppc64le: ["power8", "power9", "power10"],
  riscv64: [],
  s390x: [],
  wasm: [],
};

/**
 * Validates and normalizes `os/arch[/variant]` the way containerd's `platforms.Normalize` does,
 * so spellings Docker treats alike hash alike: `linux/x86_64` = `linux/amd64`, `linux/aarch64` =
 * `linux/arm64` = `linux/arm64/v8`, `linux/arm` = `linux/arm/v7`.
 */
export function normalizePlatform(text: string, site: ValueSite = {}): string {
  const refuse = (why: string) =>
    createError("E_INVALID_VALUE", `invalid platform ${JSON.stringify(text)}: ${why}`, {
      hint: `write os/arch[/variant], e.g. linux/amd64, linux/arm64 or linux/arm/v7; architectures: ${Object.keys(ARCHITECTURES).join(", ")}`,
      location: site.location,
      field: site.field,
    });
  const parts = text.trim().toLowerCase().split("/");
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === "")) throw refuse("expected os/arch or os/arch/variant");
  let [os = "", arch = "", variant = ""] = parts;
  if (os === "macos") os = "darwin";
  if (!OPERATING_SYSTEMS.includes(os)) throw refuse(`unknown operating system "${os}" (${OPERATING_SYSTEMS.join(", ")})`);
  switch (arch) {
    case "i386":
      arch = "386";
      break;
    case "x86_64":
    case "x86-64":
    case "amd64":
      arch = "amd64";
      if (variant === "v1") variant = "";
      break;
    case "aarch64":
    case "arm64":
      arch = "arm64";
      if (variant === "8" || variant === "v8" || variant === "v8.0") variant = "";
      break;
    case "armhf":
      arch = "arm";
      variant = variant || "v7";
      break;
    case "armel":
      arch = "arm";
      variant = variant || "v6";
      break;
    case "arm":
      if (variant === "") variant = "v7";
      else if (/^[5-8]$/.test(variant)) variant = `v${variant}`;
      break;
  }
  const variants = ARCHITECTURES[arch];
  if (variants === undefined) throw refuse(`unknown architecture "${arch}"`);
  if (variant !== "" && !variants.includes(variant)) {
    throw refuse(
      variants.length === 0
        ? `architecture "${arch}" has no variants`
        : `unknown variant "${variant}" of ${arch} (${variants.join(", ")})`,
    );
  }
  return variant === "" ? `${os}/${arch}` : `${os}/${arch}/${variant}`;
}
