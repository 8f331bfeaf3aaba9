import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createError, outsideRoot, type SourceLocation } from "@envforge/core/plugin-kit";

const SCHEME = /^([a-z][a-z0-9+.-]*):/i;
/** What conda (`conda.common.path.is_path`) and mamba take for a path rather than a channel name. */
const PATH = /^(\.\/|\.\.|~|\/|[a-zA-Z]:[/\\]|\\\\)/;

/**
 * The folder a channel names on this machine, as conda reads it: a `file:` URL, an absolute
 * path, `~/…`, or a relative path (`./…`, `../…`: conda and the prefix tools read those against
 * their working directory, which is this process's), else `undefined` (a named channel such as
 * `conda-forge`, or a remote URL). Throws for a `file:` URL no folder answers.
 */
function localChannelFolder(channel: string): string | undefined {
  if (!isLocalChannel(channel)) return undefined;
  if (SCHEME.exec(channel)?.[1]?.toLowerCase() === "file") return fileURLToPath(new URL(channel));
  if (channel === "~" || channel.startsWith("~/")) return path.join(os.homedir(), channel.slice(1));
  // `~user/…` is another user's home: never the definition's folder.
  if (channel.startsWith("~")) return path.parse(os.homedir()).root + channel;
  return path.resolve(channel);
}

/** A local folder, or what may become one once conda fills in a leading variable (`$HOME/…`). */
function isLocalChannel(channel: string): boolean {
  return SCHEME.exec(channel)?.[1]?.toLowerCase() === "file" || channel === "." || PATH.test(channel) || channel.startsWith("$");
}

/**
 * A local channel a definition names must lie inside the definition's folder, symlinks resolved:
 * what it holds is not hashed (the channel is, as written), so a folder elsewhere would let one
 * definition's hash stand for whatever packages some other place of the machine holds.
 */
export async function confineChannel(channel: string, root: string, site: { location: SourceLocation; field: string }): Promise<void> {
  const refuse = (why: string, code: "E_FILE_OUTSIDE_ROOT" | "E_INVALID_VALUE" = "E_FILE_OUTSIDE_ROOT") =>
    createError(code, `the channel "${channel}" ${why}`, {
      location: site.location,
      field: site.field,
      hint: code === "E_INVALID_VALUE"
        ? "write a folder relative to the working directory (./channel), or file:///absolute/path"
        : "keep the channel in a folder beside the definition, give it as a builder option (conda.channelsOverride), or let the host allow it (--allow-outside-files; engine option allowFilesOutsideRoot, policy.allowOutsideFiles)",
    });
  if (!isLocalChannel(channel)) return;
  // conda fills $NAME and ${NAME} in at build time: a folder spelled with one cannot be checked now.
  if (channel.includes("$")) throw refuse(`is a folder spelled with a variable, which cannot be confined to the definition's folder ${root}`);
  let folder: string | undefined;
  try {
    folder = localChannelFolder(channel);
  } catch {
    throw refuse("is not a file URL this machine can read", "E_INVALID_VALUE");
  }
  if (folder === undefined) return;
  const why = await outsideRoot(root, folder);
  if (why !== undefined) throw refuse(`${why} the definition's folder ${root}`);
}
