/**
 * The application menu: Emergency Stop (always enabled, with an accelerator), Reset and Resume,
 * next to the usual edit and view roles. Each item sends a contract command to the host.
 */
import { Menu, type MenuItemConstructorOptions } from 'electron';
import type { Command } from '../../src-preload/contract.ts';

export const EMERGENCY_STOP_ACCELERATOR = 'CmdOrCtrl+Shift+Backspace';

export function buildMenu(send: (command: Command) => void): Menu {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    {
      label: 'Studio',
      submenu: [
        {
          id: 'emergency-stop',
          label: 'Emergency Stop',
          accelerator: EMERGENCY_STOP_ACCELERATOR,
          click: () => send({ type: 'emergencyStop', scope: 'immediate', reason: 'Emergency Stop from the menu' }),
        },
        {
          id: 'emergency-stop-after-current',
          label: 'Stop After Current Stages',
          click: () => send({ type: 'emergencyStop', scope: 'after_current', reason: 'Stop after current, from the menu' }),
        },
        { type: 'separator' },
        { id: 'reset', label: 'Reset Circuits', click: () => send({ type: 'reset', reason: 'Reset from the menu' }) },
        { id: 'resume', label: 'Resume Queue', click: () => send({ type: 'resume', reason: 'Resume from the menu' }) },
      ],
    },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
  ];
  return Menu.buildFromTemplate(template);
}
