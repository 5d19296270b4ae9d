/** Helpers to drive @grafana/ui's Select and MultiSelect (react-select) as a user would. */
import { fireEvent, screen } from '@testing-library/react';

export function input(id: string): HTMLInputElement {
  const el = document.getElementById(id);
  if (!el) {
    throw new Error(`no element with id ${id} in:\n${document.body.innerHTML.slice(0, 2000)}`);
  }
  return el as HTMLInputElement;
}

/** Opens the select whose input has this id, and clicks the option with this label. */
export async function choose(id: string, label: string | RegExp): Promise<void> {
  const el = input(id);
  fireEvent.focus(el);
  fireEvent.keyDown(el, { key: 'ArrowDown', keyCode: 40 });
  const option = await screen.findByText(label, {}, { timeout: 3000 });
  fireEvent.click(option);
}

/** Types a value that is not in the options (e.g. a template variable) and picks the "custom value" entry. */
export async function typeCustom(id: string, value: string): Promise<void> {
  const el = input(id);
  fireEvent.focus(el);
  fireEvent.change(el, { target: { value } });
  const created = await screen.findByText(value, {}, { timeout: 3000 });
  fireEvent.click(created);
}
