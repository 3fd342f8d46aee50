import { ArrowDownOutlined, ArrowUpOutlined, CloseOutlined } from '@ant-design/icons';
import type { ISearchOptions } from '@xterm/addon-search';
import { Button, Input, Tooltip, type InputRef } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ResolvedTheme } from '../../stores/settings-store';
import type { XtermScreen } from './xterm-screen';
import { searchDecorations } from './xterm-theme';

const HIGHLIGHT_LIMIT = 2000;

/** Find in the scrollback (Ctrl+Shift+F): Enter next, Shift+Enter previous, Esc back to the terminal. */
export function SearchBar({ screen, mode, onClose }: { screen: XtermScreen; mode: ResolvedTheme; onClose: () => void }) {
  const { t } = useTranslation();
  const input = useRef<InputRef>(null);
  const [query, setQuery] = useState('');
  const [caseSensitive, setCaseSensitive] = useState(false);
  const [regex, setRegex] = useState(false);
  const [wholeWord, setWholeWord] = useState(false);
  const [results, setResults] = useState<{ index: number; count: number } | null>(null);
  const [bad, setBad] = useState(false);

  useEffect(() => {
    input.current?.focus({ cursor: 'all' });
    const sub = screen.search.onDidChangeResults((r) => setResults({ index: r.resultIndex, count: r.resultCount }));
    return () => {
      sub.dispose();
      screen.search.clearDecorations();
    };
  }, [screen]);

  interface Flags {
    caseSensitive: boolean;
    regex: boolean;
    wholeWord: boolean;
  }
  const current: Flags = { caseSensitive, regex, wholeWord };
  const options = (f: Flags, incremental: boolean): ISearchOptions => ({ ...f, incremental, decorations: searchDecorations(mode) });

  const find = (q: string, direction: 'next' | 'previous', incremental = false, f: Flags = current) => {
    if (!q) {
      screen.search.clearDecorations();
      setResults(null);
      setBad(false);
      return;
    }
    if (f.regex) {
      try {
        new RegExp(q);
      } catch {
        setBad(true);
        return;
      }
    }
    setBad(false);
    if (direction === 'next') screen.search.findNext(q, options(f, incremental));
    else screen.search.findPrevious(q, options(f, false));
  };

  /** An option changed: search again from where we are. */
  const setFlag = (patch: Partial<Flags>) => {
    const f = { ...current, ...patch };
    setCaseSensitive(f.caseSensitive);
    setRegex(f.regex);
    setWholeWord(f.wholeWord);
    if (query) find(query, 'next', true, f);
  };

  const close = () => {
    screen.search.clearDecorations();
    onClose();
    screen.focus();
  };

  let count = '';
  if (bad) count = '';
  else if (results && query) {
    if (results.count === 0) count = t('terminal.search.none');
    else if (results.index < 0) count = t('terminal.search.many', { count: HIGHLIGHT_LIMIT });
    else count = t('terminal.search.results', { index: results.index + 1, count: results.count });
  }

  const toggle = (on: boolean, set: (v: boolean) => void, label: string, text: string, testId: string) => (
    <Tooltip title={label}>
      <Button size="small" type={on ? 'primary' : 'text'} className="drover-term-search-opt" aria-pressed={on} aria-label={label} onClick={() => set(!on)} data-testid={testId}>
        {text}
      </Button>
    </Tooltip>
  );

  return (
    <div className="drover-term-search" data-testid="terminal-search" role="search">
      <Input
        ref={input}
        size="small"
        value={query}
        status={bad ? 'error' : undefined}
        placeholder={t('terminal.search.placeholder')}
        aria-label={t('terminal.search.placeholder')}
        className="drover-term-search-input"
        data-testid="terminal-search-input"
        onChange={(e) => {
          setQuery(e.target.value);
          find(e.target.value, 'next', true);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            find(query, e.shiftKey ? 'previous' : 'next');
          } else if (e.key === 'Escape') {
            e.preventDefault();
            e.stopPropagation();
            close();
          }
        }}
      />
      {toggle(caseSensitive, (v) => setFlag({ caseSensitive: v }), t('terminal.search.caseSensitive'), 'Aa', 'terminal-search-case')}
      {toggle(wholeWord, (v) => setFlag({ wholeWord: v }), t('terminal.search.wholeWord'), 'W', 'terminal-search-word')}
      {toggle(regex, (v) => setFlag({ regex: v }), t('terminal.search.regex'), '.*', 'terminal-search-regex')}
      <span className="drover-term-search-count" data-testid="terminal-search-count" aria-live="polite">
        {count}
      </span>
      <Tooltip title={t('terminal.search.previous')}>
        <Button size="small" type="text" icon={<ArrowUpOutlined aria-hidden />} aria-label={t('terminal.search.previous')} onClick={() => find(query, 'previous')} />
      </Tooltip>
      <Tooltip title={t('terminal.search.next')}>
        <Button size="small" type="text" icon={<ArrowDownOutlined aria-hidden />} aria-label={t('terminal.search.next')} onClick={() => find(query, 'next')} />
      </Tooltip>
      <Tooltip title={t('terminal.search.close')}>
        <Button size="small" type="text" icon={<CloseOutlined aria-hidden />} aria-label={t('terminal.search.close')} onClick={close} />
      </Tooltip>
    </div>
  );
}
