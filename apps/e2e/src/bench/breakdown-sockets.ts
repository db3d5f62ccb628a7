import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * Which process holds which TCP socket, from /proc: how the breakdown finds the service behind a Postgres backend
 * (pg_stat_activity's client_port is the local port of the service's socket) and the nats-server behind the NATS
 * port. The services set no application_name, and this needs none.
 */

/** One line of /proc/net/tcp or /proc/net/tcp6: the fields the breakdown reads. */
export interface TcpSocket {
  localPort: number;
  remotePort: number;
  /** Kernel state in hex: "01" established, "0A" listening. */
  state: string;
  inode: number;
}

export const LISTEN = '0A';

/** "0100007F:D431" (tcp) or 32 hex digits then ":D431" (tcp6) → 54321. */
function portOf(address: string): number {
  return parseInt(address.slice(address.lastIndexOf(':') + 1), 16);
}

/** Parses /proc/net/tcp or tcp6 (header line first); lines that do not parse are left out. */
export function parseTcpTable(text: string): TcpSocket[] {
  const sockets: TcpSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10) continue;
    const socket = { localPort: portOf(fields[1]), remotePort: portOf(fields[2]), state: fields[3], inode: Number(fields[9]) };
    if (Number.isInteger(socket.localPort) && Number.isInteger(socket.remotePort) && socket.inode > 0) sockets.push(socket);
  }
  return sockets;
}

/** The target of a /proc/<pid>/fd link: "socket:[18159]" → 18159; anything else (a file, a pipe) → undefined. */
export function socketInode(link: string): number | undefined {
  const match = /^socket:\[(\d+)\]$/.exec(link);
  return match ? Number(match[1]) : undefined;
}

/**
 * Client sockets connected to `serverPort` (on this machine), by their local port → the owner of their inode; a
 * socket no owner holds (another program's connection) is left out.
 */
export function ownersByClientPort<T>(
  sockets: readonly TcpSocket[],
  serverPort: number,
  inodeOwner: ReadonlyMap<number, T>,
): Map<number, T> {
  const owners = new Map<number, T>();
  for (const socket of sockets) {
    if (socket.remotePort !== serverPort || socket.state === LISTEN) continue;
    const owner = inodeOwner.get(socket.inode);
    if (owner !== undefined) owners.set(socket.localPort, owner);
  }
  return owners;
}

/** The inodes of the sockets listening on `port`. */
export function listenerInodes(sockets: readonly TcpSocket[], port: number): Set<number> {
  return new Set(sockets.filter((socket) => socket.state === LISTEN && socket.localPort === port).map((socket) => socket.inode));
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Every TCP socket of this network namespace, IPv4 and IPv6. */
export function tcpSockets(): TcpSocket[] {
  return [...parseTcpTable(readOr('/proc/net/tcp')), ...parseTcpTable(readOr('/proc/net/tcp6'))];
}

/** The socket inodes a process holds open (none when it exited or is not ours to read). */
export function socketInodesOf(pid: number): number[] {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  const inodes: number[] = [];
  for (const fd of fds) {
    try {
      const inode = socketInode(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (inode !== undefined) inodes.push(inode);
    } catch {
      // closed between listing and reading
    }
  }
  return inodes;
}

/** Socket inode → owner, for processes grouped by owner. */
export function inodeOwners<T>(pidsByOwner: ReadonlyMap<T, readonly number[]>): Map<number, T> {
  const owners = new Map<number, T>();
  for (const [owner, pids] of pidsByOwner) for (const pid of pids) for (const inode of socketInodesOf(pid)) owners.set(inode, owner);
  return owners;
}
