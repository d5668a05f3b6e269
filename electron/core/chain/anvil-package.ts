/**
 * Which npm package holds anvil's binary on a platform. Its own module (no dependencies) so the
 * Electron main process can point the packaged app at the unpacked binary without bundling ethers.
 */
const PLATFORM_PACKAGES: Record<string, string> = {
  'linux-x64': '@foundry-rs/anvil-linux-amd64',
  'linux-arm64': '@foundry-rs/anvil-linux-arm64',
  'darwin-x64': '@foundry-rs/anvil-darwin-amd64',
  'darwin-arm64': '@foundry-rs/anvil-darwin-arm64',
  'win32-x64': '@foundry-rs/anvil-win32-amd64',
};

export const anvilPackage = (platform: string, arch: string): string | undefined => PLATFORM_PACKAGES[`${platform}-${arch}`];

export const anvilBinaryName = (platform: string): string => (platform === 'win32' ? 'anvil.exe' : 'anvil');
