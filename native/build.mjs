#!/usr/bin/env node
// Builds the trainer addon offline: ggml's headers come from the llama.cpp source bundled in the
// node-llama-cpp package (cloned from its git bundle into native/build/), and the addon links the
// prebuilt libggml of that same package, so trainer and inference share one ggml (no stable ABI:
// node-llama-cpp is pinned to an exact version). Takes ~10-20 s; skips work that is up to date.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const require = createRequire(join(root, 'package.json'));
const buildDir = join(here, 'build');
const srcDir = join(buildDir, 'llama.cpp');
const out = join(buildDir, 'Release', 'datanet_trainer.node');

const nlcDir = dirname(dirname(require.resolve('node-llama-cpp')));
const bundle = join(nlcDir, 'llama', 'gitRelease.bundle');
const platform = `${process.platform}-${process.arch}`;
// Packages without './package.json' in their exports: locate them beside node-llama-cpp.
const binsDir = join(dirname(nlcDir), '@node-llama-cpp', platform, 'bins', platform);
const nlcVersion = JSON.parse(readFileSync(join(nlcDir, 'package.json'), 'utf8')).version;

function fail(msg) {
  console.error(`build:native: ${msg}`);
  process.exit(1);
}
if (process.platform !== 'linux') fail(`only linux is supported by this build script so far (got ${platform})`);
if (!existsSync(bundle)) fail(`llama.cpp source bundle not found at ${bundle}`);
if (!existsSync(join(binsDir, 'libggml-base.so'))) fail(`node-llama-cpp prebuilt ggml not found in ${binsDir}`);
const libggml = ['libggml.so', `libggml.v${nlcVersion}.so`]
  .map((n) => join(binsDir, n)).find(existsSync)
  ?? join(binsDir, execFileSync('ls', [binsDir]).toString().split('\n').find((n) => /^libggml\.v.*\.so$/.test(n)) ?? 'libggml.so');
if (!existsSync(libggml)) fail(`libggml*.so not found in ${binsDir}`);

// 1. Source headers from the bundle (never the network).
const bundleHead = execFileSync('git', ['bundle', 'list-heads', bundle]).toString().split(/\s+/)[0];
const clonedHead = existsSync(join(srcDir, '.git')) ? execFileSync('git', ['-C', srcDir, 'rev-parse', 'HEAD']).toString().trim() : '';
if (clonedHead !== bundleHead) {
  mkdirSync(buildDir, { recursive: true });
  execFileSync('rm', ['-rf', srcDir]);
  console.log(`build:native: extracting llama.cpp ${bundleHead.slice(0, 10)} from ${bundle}`);
  execFileSync('git', ['-c', 'advice.detachedHead=false', 'clone', '--quiet', bundle, srcDir], { stdio: 'inherit' });
  execFileSync('git', ['-c', 'advice.detachedHead=false', '-C', srcDir, 'checkout', '--quiet', bundleHead], { stdio: 'inherit' });
}

// 2. Node-API headers: node's own (nodedir / install prefix) or the node-api-headers package.
const headerCandidates = [
  process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include', 'node'),
  join(dirname(dirname(process.execPath)), 'include', 'node'),
  (() => { try { return join(dirname(require.resolve('node-api-headers/package.json')), 'include'); } catch { return undefined; } })(),
].filter(Boolean);
const napiInclude = headerCandidates.find((d) => existsSync(join(d, 'node_api.h')));
if (!napiInclude) fail(`node_api.h not found (looked in ${headerCandidates.join(', ')}); install node headers or node-api-headers`);
const addonApi = dirname(require.resolve('node-addon-api/package.json'));

// 3. Compile and link.
const sources = readdirSync(join(here, 'src')).filter((f) => /\.(cpp|h)$/.test(f)).sort().map((f) => join(here, 'src', f));
const inputs = [...sources, libggml, join(binsDir, 'libggml-base.so'), join(here, 'build.mjs')];
const upToDate = existsSync(out) && inputs.every((f) => statSync(f).mtimeMs <= statSync(out).mtimeMs);
if (upToDate && !process.argv.includes('--force')) {
  console.log('build:native: up to date');
} else {
  mkdirSync(dirname(out), { recursive: true });
  const args = [
    '-std=c++17', '-O2', '-g0', '-fPIC', '-shared', '-fvisibility=hidden', '-Wall', '-Wno-unused-function',
    '-DNAPI_VERSION=8', '-DNAPI_CPP_EXCEPTIONS', '-DNODE_ADDON_API_DISABLE_DEPRECATED',
    `-I${join(srcDir, 'ggml', 'include')}`, `-I${napiInclude}`, `-I${addonApi}`,
    ...sources.filter((f) => f.endsWith('.cpp')),
    '-o', out,
    libggml, join(binsDir, 'libggml-base.so'),
    // Find node-llama-cpp's libraries where they are now, and relative to the addon for a moved tree.
    `-Wl,-rpath,${binsDir}`, `-Wl,-rpath,$ORIGIN/../../../node_modules/@node-llama-cpp/${platform}/bins/${platform}`,
  ];
  console.log('build:native: compiling the trainer addon');
  const t0 = Date.now();
  execFileSync(process.env.CXX ?? 'g++', args, { stdio: 'inherit' });
  console.log(`build:native: built ${out} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
// 4. DATANET_CUDA=1: ggml's CUDA backend from the same source, for machines where node-llama-cpp's
// prebuilt one cannot run (see build-cuda.sh). DATANET_CUDA_ARCH picks the GPU architectures.
let cudaBackend;
if (process.env.DATANET_CUDA === '1') {
  const cudaDir = join(buildDir, 'cuda');
  console.log(`build:native: building ggml's CUDA backend in ${cudaDir} (minutes)`);
  const t0 = Date.now();
  execFileSync('bash', [join(here, 'build-cuda.sh'), srcDir, cudaDir, process.env.DATANET_CUDA_ARCH ?? 'native'], { stdio: 'inherit' });
  cudaBackend = join(cudaDir, 'bin', 'libggml-cuda.so');
  if (!existsSync(cudaBackend)) fail(`the CUDA build finished without ${cudaBackend}`);
  console.log(`build:native: built ${cudaBackend} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
} else if (existsSync(join(buildDir, 'cuda', 'bin', 'libggml-cuda.so'))) {
  cudaBackend = join(buildDir, 'cuda', 'bin', 'libggml-cuda.so');
}
const info = { addon: out, backendsDir: binsDir, llamaCppCommit: bundleHead, nodeLlamaCpp: nlcVersion, ...(cudaBackend ? { cudaBackend } : {}) };
const infoPath = join(buildDir, 'build-info.json');
if (!existsSync(infoPath) || readFileSync(infoPath, 'utf8') !== JSON.stringify(info, null, 2)) writeFileSync(infoPath, JSON.stringify(info, null, 2));
