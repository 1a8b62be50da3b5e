/* Fuzz target: a raw disk or volume image through st_verify_buffer (the
 * probe, TSK's volume systems and file systems read through the input, the
 * file walk, alternate data streams and the Mark of the Web, members read
 * in place: lib/image). Seeded with small FAT and NTFS images and an MBR
 * disk made by the tests' tools. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_whole_file(data, size);
}
