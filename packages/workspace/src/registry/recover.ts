import { applyOperation, emptyState, type RegistryState } from "./state.js";
import { parseJournal, parseState, type JournalRead } from "./file-format.js";

/**
 * Reconstructs the registry from its two files. The journal is written first (the operation is
 * committed once its line is on disk) and the snapshot second, so:
 *
 * - a snapshot behind the journal is rolled forward (a crash between the two writes);
 * - a snapshot that is damaged is rebuilt from the journal;
 * - a journal line cut short at the end was never committed and is dropped;
 * - a damaged journal behind a good snapshot loses nothing, but must be restarted;
 * - if neither file can give the full state, that is said loudly and nothing is guessed.
 */
export interface Recovery {
  state: RegistryState;
  snapshotDamaged: boolean;
  /** The snapshot is behind the journal (or missing) and should be rewritten. */
  snapshotBehind: boolean;
  journal: JournalRead;
  /** The journal must be restarted from a checkpoint (damaged in the middle). */
  journalDamaged: boolean;
  /** Neither file holds the full state: what is shown is the best that could be read. */
  lossy?: string | undefined;
}

export function recover(snapshotText: string | undefined, journalText: string): Recovery {
  const snapshot = snapshotText === undefined ? undefined : parseState(snapshotText);
  const snapshotDamaged = snapshotText !== undefined && snapshot === undefined;
  const journal = parseJournal(journalText);
  const journalDamaged = journal.damagedLine !== undefined;

  // Start from the newest complete state on hand: the snapshot or the journal's last checkpoint.
  let state: RegistryState | undefined = snapshot ? structuredClone(snapshot) : undefined;
  for (const line of journal.lines) {
    if ("checkpoint" in line && (!state || line.checkpoint.seq > state.seq)) state = structuredClone(line.checkpoint);
  }
  let lossy: string | undefined;
  if (!state) {
    const first = journal.lines[0];
    if (first && first.seq !== 1) lossy = `the journal starts at operation ${first.seq} and no snapshot is readable`;
    state = emptyState();
  }
  for (const line of journal.lines) {
    if (line.seq <= state.seq || !("operation" in line)) continue;
    if (line.seq !== state.seq + 1) {
      lossy ??= `operations ${state.seq + 1}–${line.seq - 1} are missing from the journal`;
      break;
    }
    applyOperation(state, line.operation);
    state.seq = line.seq;
  }
  if (journalDamaged && (!snapshot || snapshotDamaged)) {
    lossy ??= `journal line ${journal.damagedLine} is damaged and the snapshot is unreadable: operations after it are lost`;
  }
  return {
    state,
    snapshotDamaged,
    snapshotBehind: snapshot === undefined || state.seq > snapshot.seq,
    journal,
    journalDamaged,
    lossy,
  };
}
