/**
 * The provider settings in force, in one place: read at assembly, replaced by the
 * watcher when conf/ changes, and handed to every service. Readers take get() at the
 * moment they need it (the managed-array scope asks on every lookup).
 */
import type { ProviderSettings } from '../config/settings-schema';

export class SettingsHolder {
  private readonly listeners: ((s: ProviderSettings) => void)[] = [];

  constructor(private current: ProviderSettings) {}

  get(): ProviderSettings {
    return this.current;
  }

  set(next: ProviderSettings): void {
    this.current = next;
    for (const l of this.listeners) l(next);
  }

  onChange(l: (s: ProviderSettings) => void): void {
    this.listeners.push(l);
  }
}
