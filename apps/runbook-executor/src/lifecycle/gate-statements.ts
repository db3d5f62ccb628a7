/**
 * Failures of live runs of `runbook` finished after `since` (both SQL expressions; `statuses` the
 * failure statuses), counting only those after the runbook's last success. A run stopped by a
 * refusal (a forward step's attempt `refused`: a label made its URL, host, port or argv unsafe) does
 * not count: it says nothing about the runbook, and counting it would let any alert sender open the
 * breaker of a legitimate runbook with a few hostile labels. It is still escalated. Nor does a run a
 * `fail` step ended (its failed attempt is the run's last forward one): that is the runbook deciding
 * "this case is for a person" (e.g. the probe got a 4xx), which a sender can provoke with labels just
 * as well, and which is escalated, not a remediation that went wrong.
 */
export function breakerFailuresCount(table: string, attemptsTable: string, runbook: string, since: string, statuses: string): string {
  return `(SELECT count(*)::int FROM ${table} f
     WHERE f.runbook_id = ${runbook} AND f.mode = 'live' AND f.status = ANY(${statuses}) AND f.finished_at > ${since}
       AND f.finished_at > coalesce((SELECT max(finished_at) FROM ${table} s WHERE s.runbook_id = ${runbook} AND s.mode = 'live' AND s.status = 'succeeded'), '-infinity')
       AND NOT EXISTS (SELECT 1 FROM ${attemptsTable} a WHERE a.execution_id = f.id AND NOT a.rollback AND (a.refused
         OR (a.step_type = 'fail' AND a.status = 'failed'
             AND NOT EXISTS (SELECT 1 FROM ${attemptsTable} b WHERE b.execution_id = f.id AND NOT b.rollback AND b.id > a.id)))))`;
}

/** Automatic runs (not skipped) of `runbook` for loop key `key` created after `since`: what loop protection counts. */
export function automaticRunsCount(table: string, runbook: string, key: string, since: string): string {
  return `(SELECT count(*)::int FROM ${table} WHERE runbook_id = ${runbook} AND trigger = 'alert' AND status <> 'skipped'
     AND coalesce(concurrency_key, fingerprint, '') = ${key} AND created_at > ${since})`;
}

/**
 * Everything the gate reads for a batch, in one statement run after the batch's keys are locked (a
 * separate statement: one statement reads one snapshot, taken before its own locks would be granted).
 * $1/$2 runbook ids and their breaker windows' starts, $3/$4/$5 runbook ids, loop keys and their
 * windows' starts, $6 the failure statuses. One `switch` row, then a row per runbook and per key.
 */
export function gateReadsStatement(table: string, attemptsTable: string, stateTable: string): string {
  return `SELECT 'switch' AS kind, NULL::text AS runbook_id, NULL::text AS key, CASE WHEN paused THEN 1 ELSE 0 END AS n, changed_by, reason
       FROM ${stateTable} WHERE id = 1
     UNION ALL
     SELECT 'breaker', r.runbook_id, NULL, ${breakerFailuresCount(table, attemptsTable, 'r.runbook_id', 'r.since', '$6')}, NULL, NULL
       FROM unnest($1::text[], $2::timestamptz[]) AS r(runbook_id, since)
     UNION ALL
     SELECT 'loop', l.runbook_id, l.key, ${automaticRunsCount(table, 'l.runbook_id', 'l.key', 'l.since')}, NULL, NULL
       FROM unnest($3::text[], $4::text[], $5::timestamptz[]) AS l(runbook_id, key, since)`;
}

/**
 * Takes the advisory locks of many creation keys, each once, in the order of their hashes: two
 * batches locking overlapping keys take them in one order, so they wait for each other, never deadlock.
 */
export const lockKeysStatement =
  'SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest($1::text[]) AS k ORDER BY 1) AS keys';
