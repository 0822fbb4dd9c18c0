/** Starts a notify app on 127.0.0.1:0 with captured logs. */
import type { Server } from 'node:http';
import { createNotifyApp, type NotificationStore, type NotifyApp, type NotifyAppOptions, type StoredNotification } from '../../src/index.js';
import { EVENTS_TOKEN, KEY, OLD_KEY } from './fixtures.js';
import { captureLogs, type CapturedLogs } from './logs.js';

export interface Running {
  notify: NotifyApp;
  url: string;
  server: Server;
  logs: CapturedLogs;
  /** Records emitted as 'notification'. */
  emitted: StoredNotification[];
  /** Records emitted as 'duplicate'. */
  duplicates: StoredNotification[];
}

export async function startApp(store: NotificationStore, options: Partial<NotifyAppOptions> = {}): Promise<Running> {
  const logs = captureLogs();
  const notify = createNotifyApp({ keys: [KEY, OLD_KEY], store, eventsToken: EVENTS_TOKEN, logger: logs.logger, pollMs: 50, ...options });
  const emitted: StoredNotification[] = [];
  const duplicates: StoredNotification[] = [];
  notify.events.on('notification', (r) => emitted.push(r));
  notify.events.on('duplicate', (r) => duplicates.push(r));
  const { url, server } = await notify.listen({ port: 0, host: '127.0.0.1' });
  return { notify, url, server, logs, emitted, duplicates };
}
