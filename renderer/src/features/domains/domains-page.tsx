import { NotBuiltYet } from '../../components/not-built-yet';

/** Placeholder until the domains feature is built; NotBuiltYet says what will be here. */
export function DomainsPage() {
  return <NotBuiltYet page="domains" />;
}
