import type { Hash } from "@envforge/core/plugin-kit";
import {
  applyOperation,
  emptyState,
  liveHashes,
  planArchive,
  planLabel,
  planRegister,
  planRename,
  resolveRef,
  summaries,
  toRecord,
  versionRecords,
  type RegistryOperation,
  type RegistryState,
} from "./state.js";
import type {
  EnvironmentRecord,
  EnvironmentRegistry,
  EnvironmentSummary,
  ListOptions,
  RegisterInput,
  RegisterResult,
} from "./types.js";

/**
 * Every registry operation written once over two primitives a store provides: read the current
 * state, and commit an operation planned against the freshest state (under the store's lock).
 */
export abstract class StateRegistry implements EnvironmentRegistry {
  /** The current state, for reading. */
  protected abstract read(): Promise<RegistryState>;

  /**
   * Runs `plan` against the freshest state while no other writer can commit, persists the operation
   * it returns (if any) and applies it. `plan` throws to refuse; its result is handed back.
   */
  protected abstract commit<T>(plan: (state: RegistryState) => { operation?: RegistryOperation | undefined; result: (state: RegistryState) => T }): Promise<T>;

  async register(input: RegisterInput): Promise<RegisterResult> {
    return this.commit((state) => {
      const { operation, record } = planRegister(state, input, new Date());
      return { operation, result: () => ({ record, created: operation !== undefined }) };
    });
  }

  async get(ref: string): Promise<EnvironmentRecord> {
    const state = await this.read();
    const { name, stored } = resolveRef(state, ref);
    return toRecord(state, name, stored);
  }

  async find(ref: string): Promise<EnvironmentRecord | undefined> {
    try {
      return await this.get(ref);
    } catch (error) {
      if ((error as { code?: string }).code === "E_NOT_FOUND") return undefined;
      throw error;
    }
  }

  async list(options?: ListOptions): Promise<EnvironmentSummary[]> {
    return summaries(await this.read(), options);
  }

  async versions(name: string, options?: ListOptions): Promise<EnvironmentRecord[]> {
    return versionRecords(await this.read(), name, options);
  }

  async setLabel(name: string, label: string, version: string): Promise<EnvironmentRecord> {
    return this.commit((state) => ({
      operation: planLabel(state, name, label, version),
      result: (after) => toRecord(after, name, resolveRef(after, `${name}@${version}`).stored),
    }));
  }

  async removeLabel(name: string, label: string): Promise<void> {
    return this.commit((state) => ({ operation: planLabel(state, name, label, null), result: () => undefined }));
  }

  async archive(ref: string): Promise<EnvironmentRecord[]> {
    return this.#setArchived(ref, true);
  }

  async restore(ref: string): Promise<EnvironmentRecord[]> {
    return this.#setArchived(ref, false);
  }

  #setArchived(ref: string, archived: boolean): Promise<EnvironmentRecord[]> {
    return this.commit((state) => {
      const { operation, name, versions } = planArchive(state, ref, archived);
      return {
        operation,
        result: (after) => versions.map((v) => toRecord(after, name, resolveRef(after, `${name}@${v}`).stored)),
      };
    });
  }

  async rename(from: string, to: string): Promise<void> {
    return this.commit((state) => ({ operation: planRename(state, from, to), result: () => undefined }));
  }

  async liveHashes(): Promise<Set<Hash>> {
    return liveHashes(await this.read());
  }
}

/** A registry held in memory: for tests and for hosts that persist nothing. */
export class MemoryRegistry extends StateRegistry {
  #state: RegistryState = emptyState();
  #queue: Promise<unknown> = Promise.resolve();

  protected async read(): Promise<RegistryState> {
    return this.#state;
  }

  protected commit<T>(plan: (state: RegistryState) => { operation?: RegistryOperation | undefined; result: (state: RegistryState) => T }): Promise<T> {
    const run = this.#queue.then(() => {
      const { operation, result } = plan(this.#state);
      if (operation) {
        const next = structuredClone(this.#state);
        applyOperation(next, operation);
        next.seq += 1;
        this.#state = next;
      }
      return result(this.#state);
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
