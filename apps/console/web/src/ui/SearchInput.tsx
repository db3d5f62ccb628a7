import { useState } from 'react';

/**
 * A search box committed with Enter. Controlled and kept in step with `value` (from the URL), so going
 * back or following a link with another filter shows that filter instead of the text typed before.
 */
export function SearchInput({
  value,
  onCommit,
  label,
  placeholder,
}: {
  value: string;
  onCommit: (value: string) => void;
  label: string;
  placeholder: string;
}) {
  const [text, setText] = useState(value);
  const [shown, setShown] = useState(value);
  if (shown !== value) {
    setShown(value);
    setText(value);
  }
  return (
    <input
      type="search"
      aria-label={label}
      placeholder={placeholder}
      value={text}
      onChange={(event) => setText(event.target.value)}
      onKeyDown={(event) => event.key === 'Enter' && onCommit(text.trim())}
    />
  );
}
