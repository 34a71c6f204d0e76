/**
 * Electron glue for the tray: turns TrayState and the menu model into a Tray and a Menu. No
 * decisions here (see tray-state.ts and menu-model.ts).
 */
import { Menu, Tray, nativeImage, nativeTheme, type MenuItemConstructorOptions } from 'electron'
import { join } from 'node:path'
import type { MenuAction, MenuItemModel, MenuInput } from './menu-model'
import { buildMenuModel } from './menu-model'
import { trayIconFile, trayState, type MenuBarTheme, type TrayInput } from './tray-state'
import { trayTheme } from './shell-policy'

export function toElectronMenu(items: MenuItemModel[], run: (a: MenuAction) => void): MenuItemConstructorOptions[] {
  return items.map((item): MenuItemConstructorOptions => {
    switch (item.type) {
      case 'separator':
        return { type: 'separator', id: item.id }
      case 'label':
        return { id: item.id, label: item.label, enabled: false }
      case 'action':
        return { id: item.id, label: item.label, enabled: item.enabled, click: () => run(item.action) }
      case 'checkbox':
        return { id: item.id, type: 'checkbox', label: item.label, checked: item.checked, enabled: item.enabled, click: () => run(item.action) }
      case 'submenu':
        return { id: item.id, label: item.label, enabled: item.enabled, submenu: toElectronMenu(item.items, run) }
    }
  })
}

export function menuBarTheme(): MenuBarTheme {
  return trayTheme(process.platform, nativeTheme.shouldUseDarkColorsForSystemIntegratedUI)
}

export interface TrayController {
  update(input: TrayInput & MenuInput): void
  destroy(): void
}

export function createTray(resourcesDir: string, run: (a: MenuAction) => void, onClick: () => void): TrayController {
  const image = (file: string) => {
    const img = nativeImage.createFromPath(join(resourcesDir, file))
    if (process.platform === 'darwin') img.setTemplateImage(true)
    return img
  }
  const initial = trayState({ nodeState: 'offline', neighboursOnline: 0, name: null })
  const tray = new Tray(image(trayIconFile(initial.icon, menuBarTheme())))
  tray.on('click', onClick)
  let last: (TrayInput & MenuInput) | null = null
  const render = (input: TrayInput & MenuInput): void => {
    last = input
    const s = trayState(input)
    tray.setImage(image(trayIconFile(s.icon, menuBarTheme())))
    tray.setToolTip(s.tooltip)
    if (process.platform === 'darwin') tray.setTitle(s.title)
    tray.setContextMenu(Menu.buildFromTemplate(toElectronMenu(buildMenuModel(input), run)))
  }
  nativeTheme.on('updated', () => last && render(last))
  return { update: render, destroy: () => tray.destroy() }
}
