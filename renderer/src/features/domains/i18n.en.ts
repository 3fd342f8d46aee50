/** The domains feature's English strings (merged into the one translation at start). */
export const domainsEn = {
  nav: {
    domains: 'Domains',
  },
  placeholder: {
    domains: 'List the KVM virtual machines (libvirt domains) of every host with their state, and start, shut down or destroy them with confirmation.',
  },
};
