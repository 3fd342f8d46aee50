import { NotBuiltYet } from '../../components/not-built-yet';

/** Placeholder until the netboot feature is built; NotBuiltYet says what will be here. */
export function NetbootPage() {
  return <NotBuiltYet page="netboot" />;
}
