// Alertmanager's fingerprint (prometheus/common model.LabelsToSignature): FNV-1a 64 over the
// labels sorted by name, each as name 0xFF value 0xFF. Computing it the same way gives an alert one
// identity whatever its source (Alertmanager, a detector, an SLO burn, a person).
const OFFSET_BASIS = 0xcbf29ce484222325n;
const PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;
const SEPARATOR = 0xff;

export function alertFingerprint(labels: Record<string, string>): string {
  const names = Object.keys(labels)
    .filter((name) => labels[name] !== '')
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  let hash = OFFSET_BASIS;
  const mix = (byte: number) => {
    hash ^= BigInt(byte);
    hash = (hash * PRIME) & MASK;
  };
  for (const name of names) {
    for (const byte of Buffer.from(name, 'utf8')) mix(byte);
    mix(SEPARATOR);
    for (const byte of Buffer.from(labels[name], 'utf8')) mix(byte);
    mix(SEPARATOR);
  }
  return hash.toString(16).padStart(16, '0');
}
