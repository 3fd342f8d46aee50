import { NotBuiltYet } from '../../components/not-built-yet';

/** Placeholder until the miners feature is built; NotBuiltYet says what will be here. */
export function MinersPage() {
  return <NotBuiltYet page="miners" />;
}
