/** The etcd feature's English strings (merged into the one translation at start). */
export const etcdEn = {
  nav: {
    etcd: 'etcd',
  },
  placeholder: {
    etcd: 'Browse, watch and edit the etcd keys that drive netboot and rig configuration, with compare-and-swap edits and confirmed deletes.',
  },
};
