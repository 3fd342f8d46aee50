import { NotBuiltYet } from '../../components/not-built-yet';

/** Placeholder until the etcd feature is built; NotBuiltYet says what will be here. */
export function EtcdPage() {
  return <NotBuiltYet page="etcd" />;
}
