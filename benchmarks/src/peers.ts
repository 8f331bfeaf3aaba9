import { hash as cryptoHash } from "node:crypto";
import canonicalize from "canonicalize";
import fastStableStringify from "fast-json-stable-stringify";
import objectHash from "object-hash";
import { stringify as safeStableStringify } from "safe-stable-stringify";
import { parse as parseYaml } from "yaml";
import type { ColdSubject } from "./cold.js";
import type { Subject } from "./harness.js";

/**
 * The general-purpose ways to hash a JSON object deterministically. None knows package
 * semantics: they hash what the user wrote (key order aside), so `Numpy==1.0` and `numpy==1.0`
 * differ for them. Each hashes the definition as loaded (the object behind `env.yaml`).
 */
export const PEERS: { name: string; hash: (value: unknown) => string }[] = [
  { name: "fast-json-stable-stringify + sha256", hash: (v) => cryptoHash("sha256", fastStableStringify(v), "hex") },
  { name: "safe-stable-stringify + sha256", hash: (v) => cryptoHash("sha256", safeStableStringify(v)!, "hex") },
  { name: "canonicalize (RFC 8785) + sha256", hash: (v) => cryptoHash("sha256", canonicalize(v)!, "hex") },
  // object-hash's defaults (sha1, its own serialization): how it is used in the wild.
  { name: "object-hash", hash: (v) => objectHash(v as object) },
];

/** A subject per peer that hashes `inputs` round-robin (the same inputs, in the same order, as envforge). */
export function peerSubjects(inputs: readonly unknown[]): Subject[] {
  return PEERS.map((peer) => {
    let i = 0;
    return { name: peer.name, role: "peer" as const, fn: () => peer.hash(inputs[i++ % inputs.length]) };
  });
}

/** The limit: one SHA-256 of bytes that are already canonical — no serialization, no normalization. */
export function limitSubject(canonicalTexts: readonly string[]): Subject {
  let i = 0;
  return { name: "limit: crypto.hash(sha256) of canonical bytes", role: "limit", fn: () => cryptoHash("sha256", canonicalTexts[i++ % canonicalTexts.length]!, "hex") };
}

/** The peer every hash target is measured against: safe-stable-stringify + sha256. */
export const TARGET_PEER = "safe-stable-stringify + sha256";
/** The same peer from YAML text: what a host without envforge would do with the file's text. */
export const TARGET_TEXT_PEER = `yaml.parse + ${TARGET_PEER}`;

/**
 * A cold subject per peer: each round hashes the round's never-seen definitions (`batch` gives
 * their YAML texts), from the text through yaml.parse when `fromText`, else from the raw object
 * yaml.parse gave (untimed): what a host holds after reading the file.
 */
export function coldPeerSubjects(batch: (round: number) => { texts: string[] }, fromText: boolean): ColdSubject[] {
  return PEERS.map((peer) => ({
    name: fromText ? `yaml.parse + ${peer.name}` : peer.name,
    role: "peer" as const,
    prepare: (round: number) => {
      const { texts } = batch(round);
      if (fromText) return texts.map((text) => () => peer.hash(parseYaml(text)));
      return texts.map((text) => parseYaml(text) as unknown).map((object) => () => peer.hash(object));
    },
  }));
}

/** The cold limit: one sha256 of each text of a never-seen batch (the YAML, or the canonical bytes). */
export function coldLimitSubject(name: string, texts: (round: number) => Promise<string[]> | string[]): ColdSubject {
  return {
    name,
    role: "limit",
    prepare: async (round: number) => (await texts(round)).map((text) => () => cryptoHash("sha256", text, "hex")),
  };
}
