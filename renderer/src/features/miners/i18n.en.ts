/** The miners feature's English strings (merged into the one translation at start). */
export const minersEn = {
  nav: {
    miners: 'Miners',
  },
  placeholder: {
    miners: 'Follow lotus-miner sealing jobs, workers, sectors and deadlines live, and abort stuck jobs with a confirmation.',
  },
};
