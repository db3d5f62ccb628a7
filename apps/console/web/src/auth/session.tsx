import { createContext, useContext, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, errorText } from '../api/client';
import { getToken, onTokenChange, setToken, signOutEverywhere } from './token';
import { roleAllows, type Role } from './roles';

export interface Session {
  name: string;
  role: Role;
}

const SessionContext = createContext<Session | null>(null);

/** The signed-in caller; only rendered inside `SessionGate`, so never null there. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionGate');
  return session;
}

/** Whether the signed-in token may use an action: buttons a viewer may not use are not offered at all. */
export function useCan(role: Role): boolean {
  return roleAllows(useContext(SessionContext)?.role, role);
}

/** Renders its children only for a token with at least `role`. */
export function IfRole({ role, children }: { role: Role; children: ReactNode }) {
  return useCan(role) ? <>{children}</> : null;
}

function useToken(): string | null {
  const [token, setState] = useState(getToken);
  useEffect(() => onTokenChange(() => setState(getToken())), []);
  return token;
}

/** Signs in with a token (checked by the console's `/api/console/session`) before anything else renders. */
export function SessionGate({ children }: { children: ReactNode }) {
  const token = useToken();
  const queryClient = useQueryClient();
  const session = useQuery({
    queryKey: ['session', token],
    queryFn: () => api<Session>('console', '/session'),
    enabled: token !== null,
    retry: false,
    staleTime: Infinity,
  });
  useEffect(() => {
    if (token === null) queryClient.clear();
  }, [token, queryClient]);
  if (token === null) return <SignIn />;
  if (session.isPending) return <p className="centered">Signing in…</p>;
  if (session.isError) return <SignIn problem={errorText(session.error)} />;
  return <SessionContext.Provider value={session.data}>{children}</SessionContext.Provider>;
}

function SignIn({ problem }: { problem?: string }) {
  const [value, setValue] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (value.trim()) setToken(value);
  };
  return (
    <form className="sign-in" onSubmit={submit}>
      <h1>Firebreak</h1>
      <p>
        Sign in with an API token (<code>FIREBREAK_API_TOKENS</code>). On a first run, <code>npm start</code> prints a console URL that
        signs you in.
      </p>
      <label>
        API token
        <input type="password" autoComplete="current-password" value={value} onChange={(event) => setValue(event.target.value)} />
      </label>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      <button type="submit" className="primary">
        Sign in
      </button>
    </form>
  );
}

export { signOutEverywhere as signOut };
