/** The console's calls to the API (same origin). Admin calls carry the operator's bearer token. */
import type { LotStatus } from '../protocol/status.js';
import type { LotGates } from '../protocol/gates.js';
import type { NudgeStats } from '../protocol/nudge.js';

export interface HistoryPoint {
  t: string;
  occupied: number;
}

/** An answer, or the API's error message (status 0: no answer). */
export type Answer<T> = { ok: true; data: T } | { ok: false; status: number; message: string };

async function call<T>(path: string, init: RequestInit = {}, token?: string | null): Promise<Answer<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (init.body) headers['content-type'] = 'application/json';
  try {
    const res = await fetch(path, { ...init, headers, cache: 'no-store' });
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    if (res.ok) return { ok: true, data: body as T };
    return { ok: false, status: res.status, message: body?.error?.message ?? `HTTP ${res.status}` };
  } catch (err) {
    return { ok: false, status: 0, message: (err as Error).message };
  }
}

export const getLots = () => call<{ lots: LotStatus[] }>('/api/v1/lots');
export const getGates = (lotId: string, token: string) => call<LotGates>(`/api/v1/lots/${encodeURIComponent(lotId)}/gates`, {}, token);
export const calibrate = (lotId: string, occupied: number, token: string) =>
  call<{ lotId: string; occupied: number; previous: number }>(
    `/api/v1/lots/${encodeURIComponent(lotId)}/calibration`,
    { method: 'POST', body: JSON.stringify({ occupied }) },
    token,
  );
export const getHistory = (lotId: string, fromMs: number, toMs: number, step: string) =>
  call<{ points: HistoryPoint[] }>(
    `/api/v1/lots/${encodeURIComponent(lotId)}/history?from=${encodeURIComponent(new Date(fromMs).toISOString())}&to=${encodeURIComponent(new Date(toMs).toISOString())}&step=${step}`,
  );
export const getNudgeStats = (lotId: string, fromMs: number, toMs: number) =>
  call<NudgeStats>(
    `/api/v1/lots/${encodeURIComponent(lotId)}/nudge-stats?from=${encodeURIComponent(new Date(fromMs).toISOString())}&to=${encodeURIComponent(new Date(toMs).toISOString())}&step=1h`,
  );
