/** The netboot feature's English strings (merged into the one translation at start). */
export const netbootEn = {
  nav: {
    netboot: 'Netboot',
  },
  placeholder: {
    netboot: 'Run the PXE / iPXE boot service: per-subnet boot configuration, boot scripts and the machines that booted recently.',
  },
};
