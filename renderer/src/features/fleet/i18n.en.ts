/** The fleet feature's English strings (merged into the one translation at start). */
export const fleetEn = {
  nav: {
    fleet: 'Fleet',
  },
  placeholder: {
    fleet: 'See every GPU rig and host at a glance — reachability, temperatures, hash rates and faults — filtered to what needs attention.',
  },
};
