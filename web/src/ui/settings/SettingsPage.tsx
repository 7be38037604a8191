import { AvatarPanel } from './AvatarPanel.js';
import { DeleteAccountPanel } from './DeleteAccountPanel.js';
import { EmailPanel } from './EmailPanel.js';
import { LinkedAccountsPanel } from './LinkedAccountsPanel.js';
import { PasswordPanel } from './PasswordPanel.js';
import { PrivacyPanel } from './PrivacyPanel.js';
import { ProfilePanel } from './ProfilePanel.js';
import { SessionsPanel } from './SessionsPanel.js';
import { TokensPanel } from './TokensPanel.js';
import { TrustedDevicesPanel } from './TrustedDevicesPanel.js';
import { TwoFactorPanel } from './TwoFactorPanel.js';

const PANELS = [
  { id: 'profile-title', label: 'Profile' },
  { id: 'email-title', label: 'E-mail' },
  { id: 'privacy-title', label: 'Privacy' },
  { id: 'password-title', label: 'Password' },
  { id: 'two-factor-title', label: 'Two-step sign-in' },
  { id: 'trusted-devices-title', label: 'Trusted devices' },
  { id: 'linked-title', label: 'Linked accounts' },
  { id: 'sessions-title', label: 'Sessions' },
  { id: 'tokens-title', label: 'Access tokens' },
  { id: 'delete-title', label: 'Delete account' },
];

/** My account, one panel under the other, with links to jump between them. */
export function SettingsPage() {
  return (
    <main class="settings">
      <h1>Settings</h1>
      <nav aria-label="Settings sections" class="settings-nav">
        {PANELS.map((panel) => (
          <a key={panel.id} href={`#${panel.id}`}>
            {panel.label}
          </a>
        ))}
      </nav>
      <AvatarPanel />
      <ProfilePanel />
      <EmailPanel />
      <PrivacyPanel />
      <PasswordPanel />
      <TwoFactorPanel />
      <TrustedDevicesPanel />
      <LinkedAccountsPanel />
      <SessionsPanel />
      <TokensPanel />
      <DeleteAccountPanel />
    </main>
  );
}
