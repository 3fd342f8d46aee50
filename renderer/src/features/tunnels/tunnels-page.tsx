import { NotBuiltYet } from '../../components/not-built-yet';

/** Placeholder until the tunnels feature is built; NotBuiltYet says what will be here. */
export function TunnelsPage() {
  return <NotBuiltYet page="tunnels" />;
}
