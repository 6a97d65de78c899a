// PLACEHOLDER: replaced by the real probe (see the issue). Never committed as done.
import { type Probe, skip } from '../check.js';

export const bridgeRedirects: Probe = {
  id: 'bridge-redirects',
  title: 'ICMP redirects on bridges',
  async run() {
    return skip('not implemented yet');
  },
};
