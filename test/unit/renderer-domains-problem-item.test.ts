import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ProblemItem } from '../../renderer/src/features/domains/problem-item';

describe('a domain problem in the UI', () => {
  it('shows virsh’s unparsed text beside the message, escaped', () => {
    const html = renderToStaticMarkup(
      createElement(ProblemItem, { problem: { hostId: 'kvm1', domain: 'rig-07', code: 'INVALID_INPUT', message: 'line 3 could not be read', raw: ' 3    rig-07   <b>wedged</b>' } }),
    );
    expect(html).toContain('rig-07');
    expect(html).toContain('line 3 could not be read');
    expect(html).toContain('data-testid="domain-problem-raw"');
    expect(html).toContain('&lt;b&gt;wedged&lt;/b&gt;');
  });

  it('draws no raw block when there is no raw text', () => {
    const html = renderToStaticMarkup(createElement(ProblemItem, { problem: { hostId: 'kvm1', domain: null, code: null, message: 'virsh timed out' } }));
    expect(html).toContain('virsh timed out');
    expect(html).not.toContain('domain-problem-raw');
  });
});
