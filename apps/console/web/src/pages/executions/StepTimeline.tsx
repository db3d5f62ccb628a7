import { StateBadge, Time } from '../../ui/common';
import { formatDuration, type Attempt, type ExecutionStep } from './types';

/** Each step of the run in order (rollback steps after, once they ran), with every attempt. */
export function StepTimeline({ steps }: { steps: ExecutionStep[] }) {
  return (
    <ol className="timeline steps" data-testid="steps">
      {steps.map((step) => (
        <li
          key={`${step.rollback ? 'rb:' : ''}${step.id}`}
          className={`step step-${step.outcome ?? 'pending'}`}
          data-testid={`step-${step.id}`}
        >
          <div>
            {step.rollback && <span className="badge">rollback</span>} <strong>{step.name ?? step.id}</strong>{' '}
            <span className="muted mono">
              {step.id} · {step.uses}
            </span>{' '}
            {step.outcome ? <StateBadge state={step.outcome} /> : step.attempts.length === 0 && <span className="muted">not reached</span>}
          </div>
          {step.attempts.map((attempt) => (
            <AttemptRow key={attempt.attempt} attempt={attempt} />
          ))}
        </li>
      ))}
    </ol>
  );
}

function AttemptRow({ attempt }: { attempt: Attempt }) {
  return (
    <div className="attempt">
      <span className="muted">#{attempt.attempt}</span> <StateBadge state={attempt.status} />
      {attempt.refused && <span className="badge state-refused">refused</span>} <Time value={attempt.startedAt} />{' '}
      {attempt.durationMs !== null && attempt.status !== 'skipped' && <span className="muted">{formatDuration(attempt.durationMs)}</span>}
      {attempt.error && (
        <div className={attempt.status === 'skipped' ? 'muted' : 'error'}>
          {attempt.status === 'skipped' ? 'skipped: ' : ''}
          {attempt.error}
        </div>
      )}
      {attempt.outputExcerpt && <pre>{attempt.outputExcerpt}</pre>}
    </div>
  );
}
