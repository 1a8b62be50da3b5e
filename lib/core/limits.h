/*
 * Limits on attacker-controlled quantities. Each is documented in
 * docs/limits.md; hitting one adds the reason limit_exceeded and the
 * verification goes on with what is within the limit (or stops for that
 * structure), never aborts.
 */
#ifndef ST_LIMITS_H
#define ST_LIMITS_H

/* Default largest file verified (st_context_set_max_file_size). */
#define ST_LIMIT_FILE_SIZE_DEFAULT (4ULL << 30)

/* Inputs up to this size are read whole into memory (one pread); larger
 * ones are read in pieces (core/input.h). Small on purpose: a piece hashed
 * right after it is read is still in the CPU's cache, and the two-lane
 * SHA-256 then runs near its own speed (bench/RESULTS.md: 0.55 s with
 * 8 MiB, 0.45 s with 256 KiB on the bench corpus). */
#define ST_IN_MEMORY_DEFAULT (1ULL << 18)

/* Bytes of a source-backed input kept as views for its structures (PE
 * headers, certificate table, version resource; Mach-O load commands and
 * code signatures), per input. Real structures are far smaller. */
#define ST_LIMIT_VIEW_BYTES (64ULL << 20)

/* Parts of one file: depth of containers within containers, parts in all,
 * and bytes of members decoded into memory in all (archives, later). */
#define ST_LIMIT_PART_DEPTH 8
#define ST_LIMIT_PARTS 100000
#define ST_LIMIT_DECODED_BYTES (1ULL << 30)
/* Largest file inside an archive handed to a found-files callback (it is
 * decoded into memory first). */
#define ST_LIMIT_FOUND_IN_MEMORY (256ULL << 20)
/* Entries of the vulnerable-driver lists, and the size of one list file. */
#define ST_LIMIT_VULNERABLE_DRIVERS 100000
/* UDIF disk images: chunks of the blkx table, bytes one chunk decodes to
 * (the image's buffers are 1 MiB or less in practice), size of the
 * resource plist. */
#define ST_LIMIT_DMG_CHUNKS 1000000
#define ST_LIMIT_DMG_CHUNK_BYTES (64u << 20)
#define ST_LIMIT_DMG_PLIST (64 << 20)
/* pbzx payloads: bytes of one chunk, compressed or decoded (Apple's are
 * 16 MiB decoded). */
#define ST_LIMIT_PBZX_CHUNK (64u << 20)
/* Volumes of one APFS container walked (APFS allows 100). */
#define ST_LIMIT_IMAGE_VOLUMES 100
#define ST_LIMIT_VULNERABLE_LIST_BYTES (32L << 20)

/* Entries of the context's caches: decoded certificates, rendered
 * certificates and chain results. When full, a cache starts over. */
#define ST_LIMIT_CERT_CACHE 4096
#define ST_LIMIT_RENDERED_CACHE 1024
#define ST_LIMIT_CHAIN_CACHE 1024

/* WIN_CERTIFICATE entries read from one certificate table. Real files carry
 * one; signed UEFI shims carry two. */
#define ST_LIMIT_CERT_ENTRIES 8

/* Depth of nested Authenticode signatures (1.3.6.1.4.1.311.2.4.1) below a
 * primary signature, and signatures of any depth in one file. */
#define ST_LIMIT_NEST_DEPTH 4
#define ST_LIMIT_SIGNATURES 32

/* Certificates carried in one PKCS#7 SignedData. */
#define ST_LIMIT_CERTS_PER_SIGNATURE 64

/* Signer infos in one PKCS#7 (Authenticode allows exactly one). */
#define ST_LIMIT_SIGNER_INFOS 1

/* Entries in a page-hash table: one per 4 KiB page of a file no larger than
 * the file-size limit, plus the header page and the terminator. */
#define ST_LIMIT_PAGE_HASHES ((ST_LIMIT_FILE_SIZE_DEFAULT / 4096) + 2)

/* Version resource: entries read per resource directory, depth of the
 * VS_VERSIONINFO tree, and characters kept per string value. */
#define ST_LIMIT_RSRC_ENTRIES 4096
#define ST_LIMIT_VERSION_DEPTH 4
#define ST_LIMIT_VERSION_STRING 512
/* Bytes of a VS_VERSIONINFO read (real ones are a few KiB). */
#define ST_LIMIT_VERSION_BYTES (1u << 20)

/* Mach-O. Architectures in a universal file (real files carry 2-4; the
 * probe tells a fat header from a Java class file by nfat_arch < 45). */
#define ST_LIMIT_FAT_ARCHS 16
/* Load commands walked per slice (real binaries carry under 200). */
#define ST_LIMIT_LOAD_COMMANDS 16384
/* Blobs indexed by one SuperBlob (real signatures carry 3-8) and
 * CodeDirectories in it (slot 0 plus alternates 0x1000-0x1004). */
#define ST_LIMIT_SUPERBLOB_BLOBS 64
#define ST_LIMIT_CODE_DIRECTORIES 6
/* A stapled notarization ticket read (real ones are 2 KiB for a package
 * listing 18 hashes; one entry is 21 bytes). */
#define ST_LIMIT_TICKET_BYTES (1u << 20)
/* Special slots in a CodeDirectory (Apple defines 11) and page sizes
 * (log2) accepted besides 0, "one page". */
#define ST_LIMIT_SPECIAL_SLOTS 64
#define ST_MACHO_PAGE_LOG2_MIN 9
#define ST_MACHO_PAGE_LOG2_MAX 24
/* Bytes of the CMS signature's cdhashes plist that are parsed. */
#define ST_LIMIT_CDHASH_PLIST 65536

/* Entries of one certificate trust list (the Microsoft root list has
 * about 500, catalogs of a Windows install up to some tens of thousands)
 * and elements of one serialized certificate store (.sst). */
#define ST_LIMIT_CTL_ENTRIES 1000000
/* Entries of the UEFI dbx, built in and given with --dbx together
 * (Microsoft's dbx has about 700; a firmware variable holds a few thousand
 * at most). */
#define ST_LIMIT_DBX_ENTRIES 100000
/* Bytes of one trust file (--trust: PEM bundle, root list, .sst; --dbx). */
#define ST_LIMIT_TRUST_FILE (64ULL << 20)

/* Security catalogs. Bytes of one catalog (the largest in a Windows
 * install are a few MiB); member entries given as entry parts of a
 * catalog's record (the rest are counted in catalog.members); keys of the
 * catalog index of a context (44 bytes each: 4M is 176 MiB; a Windows
 * install lists some hundreds of thousands of PE members), catalog files
 * indexed and directory depth searched for them; catalogs that may vouch
 * for one file. */
#define ST_LIMIT_CATALOG_BYTES (64ULL << 20)
#define ST_LIMIT_CATALOG_ENTRY_PARTS 10000
#define ST_LIMIT_CATALOG_INDEX 4000000
#define ST_LIMIT_CATALOG_FILES 200000
#define ST_LIMIT_CATALOG_DEPTH 8
#define ST_LIMIT_CATALOG_VOUCHERS 4

/* Bytes of a signed script read whole (real scripts are KiB; the
 * signature block, which ends the file, is looked for in the last 64 KiB
 * first, so a long text file that is no script costs one read of its
 * tail, never a whole read or a hash). */
#define ST_LIMIT_SCRIPT_BYTES (16ULL << 20)

/* Windows Installer files (lib/msi): sectors of one compound file (an
 * allocation-table entry and a byte of bookkeeping each: 80 MiB at most;
 * 8 GiB of 512-byte sectors), directory entries (real packages hold some
 * thousands), storages nested within storages, and the bytes read of the
 * signature and summary information streams. */
#define ST_LIMIT_CFB_SECTORS (16ULL << 20)
#define ST_LIMIT_CFB_ENTRIES 200000u
#define ST_LIMIT_CFB_DEPTH 16
#define ST_LIMIT_MSI_SIGNATURE (16ULL << 20)
#define ST_LIMIT_MSI_SUMINFO (1ULL << 20)

/* App packages (lib/appx): ZIP entries of one package (a central record of
 * at least 46 bytes each; its directory is one view under
 * ST_LIMIT_VIEW_BYTES), the bytes of the manifest, block map and content
 * types read whole. */
#define ST_LIMIT_ZIP_ENTRIES 200000u
#define ST_LIMIT_APPX_XML (32ULL << 20)

/* A host's registry (--host-trust): certificates read from its stores
 * in all, and bytes of one value (a certificate blob, the AuthRoot list). */
/* Apple bundles (lib/bundle): Info.plist and CodeResources read whole up to
 * ST_LIMIT_BUNDLE_PLIST; seal rules and their length; files walked and
 * sealed entries; directory depth inside a bundle. */
#define ST_LIMIT_BUNDLE_PLIST (16u << 20)
#define ST_LIMIT_BUNDLE_RULES 256
#define ST_LIMIT_BUNDLE_RULE_LEN 256
#define ST_LIMIT_BUNDLE_FILES 1000000
#define ST_LIMIT_BUNDLE_DEPTH 64
/* A bundle inside a disk image is copied out to be verified
 * (driver/staged_tree.c): its bytes at most (the largest apps hold a few
 * GiB), its entries at most ST_LIMIT_BUNDLE_FILES, its depth at most
 * ST_LIMIT_BUNDLE_DEPTH. Past them the bundle's files are verified one by
 * one and the image says so. */
#define ST_LIMIT_STAGE_BYTES (16ULL << 30)

/* xar archives (lib/xar): the table of contents, compressed and inflated;
 * files it lists and their nesting; certificates per signature. */
#define ST_LIMIT_XAR_TOC (64u << 20)
#define ST_LIMIT_XAR_FILES 1000000
#define ST_LIMIT_XAR_DEPTH 64
#define ST_LIMIT_XAR_CERTS 16

/* Archives (lib/archive): entries walked; the decompressed bytes one
 * archive may expand to (read or skipped), its size times the ratio, at
 * least the minimum and at most the maximum; passwords tried. */
#define ST_LIMIT_ARCHIVE_ENTRIES 1000000
#define ST_LIMIT_ARCHIVE_RATIO 100ULL
#define ST_LIMIT_ARCHIVE_EXPANSION_MIN (1ULL << 30)
#define ST_LIMIT_ARCHIVE_EXPANSION_MAX (64ULL << 30)
#define ST_LIMIT_ARCHIVE_PASSWORDS 16
/* Bundles one archive may hold copied out at once (archive_bundles.c);
 * the files of the rest are verified one by one. */
#define ST_LIMIT_ARCHIVE_BUNDLES 64

/* Disk images (lib/image): files and streams walked in one image; data
 * streams looked at per file (NTFS alternate data streams). */
#define ST_LIMIT_IMAGE_FILES 10000000
#define ST_LIMIT_IMAGE_STREAMS 64
/* Files inside one image verified on other threads
 * (st_context_set_member_threads): threads, the largest file handed over
 * (read whole into memory; larger ones are verified by the walk's thread,
 * streamed), and the bytes handed over and not yet verified, past which
 * the walk waits. */
#define ST_LIMIT_MEMBER_THREADS 64
#define ST_LIMIT_MEMBER_BYTES (32ULL << 20)
#define ST_LIMIT_MEMBER_BYTES_IN_FLIGHT (256ULL << 20)
#define ST_LIMIT_MEMBER_QUEUED 64
/* Runs of one file read straight from a raw image (more: read through
 * TSK on the walk's thread or copied). */
#define ST_LIMIT_IMAGE_RUNS 65536

#define ST_LIMIT_HOST_CERTS 20000
#define ST_LIMIT_HOST_VALUE (4u << 20)

/* Detail text of one reason, in bytes. */
#define ST_LIMIT_DETAIL 512

#endif
