/**
 * The console's language: English or Arabic (right to left), kept in the browser. Strings come from one
 * catalogue per language; numbers, percentages, money and dates are formatted for it by Intl.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ar } from './ar';
import { en, type Messages } from './en';

export type Language = 'en' | 'ar';
const CATALOGUES: Record<Language, Messages> = { en, ar };
const STORAGE_KEY = 'otpgate.console.language';

function initialLanguage(): Language {
  return window.localStorage.getItem(STORAGE_KEY) === 'ar' ? 'ar' : 'en';
}

export interface I18n {
  language: Language;
  messages: Messages;
  setLanguage(language: Language): void;
  /** Fills {name} placeholders. */
  fill(text: string, values: Record<string, string>): string;
  number(value: number): string;
  /** A fraction as a percentage (0.75 -> 75%); a dash when there is nothing to divide. */
  percent(value: number | null): string;
  money(amount: number, currency: string): string;
  dateTime(iso: string | null): string;
  date(iso: string): string;
}

const I18nContext = createContext<I18n | undefined>(undefined);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(initialLanguage);

  useEffect(() => {
    document.documentElement.lang = language;
    document.documentElement.dir = language === 'ar' ? 'rtl' : 'ltr';
    document.title = CATALOGUES[language].appName;
  }, [language]);

  const setLanguage = useCallback((next: Language) => {
    window.localStorage.setItem(STORAGE_KEY, next);
    setLanguageState(next);
  }, []);

  const value = useMemo<I18n>(() => {
    const numbers = new Intl.NumberFormat(language);
    const percents = new Intl.NumberFormat(language, { style: 'percent', maximumFractionDigits: 1 });
    const dateTimes = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' });
    const dates = new Intl.DateTimeFormat(language, { month: 'short', day: 'numeric', hour: 'numeric' });
    return {
      language,
      messages: CATALOGUES[language],
      setLanguage,
      fill: (text, values) => text.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? ''),
      number: (value) => numbers.format(value),
      percent: (value) => (value === null ? '—' : percents.format(value)),
      money: (amount, currency) =>
        new Intl.NumberFormat(language, { style: 'currency', currency, maximumFractionDigits: 4 }).format(
          amount,
        ),
      dateTime: (iso) => (iso === null ? '—' : dateTimes.format(new Date(iso))),
      date: (iso) => dates.format(new Date(iso)),
    };
  }, [language, setLanguage]);

  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (value === undefined) throw new Error('useI18n outside I18nProvider');
  return value;
}
