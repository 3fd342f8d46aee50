import { NotBuiltYet } from '../../components/not-built-yet';

/** Placeholder until the fleet feature is built; NotBuiltYet says what will be here. */
export function FleetPage() {
  return <NotBuiltYet page="fleet" />;
}
