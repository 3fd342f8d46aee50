import { NotBuiltYet } from '../../components/not-built-yet';

/** Placeholder until the terminal feature is built; NotBuiltYet says what will be here. */
export function TerminalPage() {
  return <NotBuiltYet page="terminal" />;
}
