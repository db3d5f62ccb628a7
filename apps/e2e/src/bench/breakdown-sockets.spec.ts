import { listenerInodes, ownersByClientPort, parseTcpTable, socketInode } from './breakdown-sockets';

const TCP = [
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  // Postgres listening on 5432, NATS on 4222
  '   0: 0100007F:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   106        0 5680 1 0000000000000000 100 0 0 10 0',
  '   1: 0100007F:107E 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 18159 1 0000000000000000 100 0 0 10 0',
  // a client on port 54321 → 5432, and the server side of it (local 5432 → remote 54321)
  '   2: 0100007F:D431 0100007F:1538 01 00000000:00000000 00:00000000 00000000     0        0 7001 1 0000000000000000 20 4 30 10 -1',
  '   3: 0100007F:1538 0100007F:D431 01 00000000:00000000 00:00000000 00000000   106        0 7002 1 0000000000000000 20 4 30 10 -1',
  // a client on port 40000 → 4222 (NATS, not Postgres)
  '   4: 0100007F:9C40 0100007F:107E 01 00000000:00000000 00:00000000 00000000     0        0 7003 1 0000000000000000 20 4 30 10 -1',
  '   5: not a socket line',
  '',
].join('\n');

const TCP6 = [
  '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  '   0: 00000000000000000000000001000000:D432 00000000000000000000000001000000:1538 01 00000000:00000000 00:00000000 00000000     0        0 7004 1 0000000000000000 20 4 30 10 -1',
].join('\n');

describe('/proc/net/tcp reading', () => {
  it('parses ports and inodes of IPv4 and IPv6 lines, leaving out what does not parse', () => {
    expect(parseTcpTable(TCP).map((s) => [s.localPort, s.remotePort, s.state, s.inode])).toEqual([
      [5432, 0, '0A', 5680],
      [4222, 0, '0A', 18159],
      [54321, 5432, '01', 7001],
      [5432, 54321, '01', 7002],
      [40000, 4222, '01', 7003],
    ]);
    expect(parseTcpTable(TCP6)).toEqual([{ localPort: 54322, remotePort: 5432, state: '01', inode: 7004 }]);
  });

  it('reads a socket inode from an fd link, and nothing from other links', () => {
    expect(socketInode('socket:[18159]')).toBe(18159);
    expect([socketInode('pipe:[123]'), socketInode('/var/log/x.log'), socketInode('anon_inode:[eventpoll]')]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('finds who holds the client end of each connection to the server port, by the client port Postgres reports', () => {
    const sockets = [...parseTcpTable(TCP), ...parseTcpTable(TCP6)];
    // 7002 is the server's end (Postgres's own), 7003 goes to NATS, 7005 is nobody's here.
    const owners = new Map([
      [7001, 'mapper'],
      [7002, 'postgres'],
      [7003, 'notifier'],
      [7004, 'bench'],
    ]);
    expect(ownersByClientPort(sockets, 5432, owners)).toEqual(
      new Map([
        [54321, 'mapper'],
        [54322, 'bench'],
      ]),
    );
    expect(ownersByClientPort(sockets, 5432, new Map())).toEqual(new Map());
  });

  it('finds the listening sockets of a port, not the connections to it', () => {
    expect(listenerInodes(parseTcpTable(TCP), 4222)).toEqual(new Set([18159]));
    expect(listenerInodes(parseTcpTable(TCP), 5432)).toEqual(new Set([5680]));
    expect(listenerInodes(parseTcpTable(TCP), 9999)).toEqual(new Set());
  });
});
