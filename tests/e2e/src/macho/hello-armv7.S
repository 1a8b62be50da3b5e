@ sigtrace e2e Mach-O input (32-bit little-endian ARM): prints a line and
@ exits with raw Darwin system calls. Assembled with clang -target
@ armv7-apple-ios9 and linked with ld64.lld -arch armv7.
    .equ    MSG_LEN, 31
    .text
    .globl _main
    .p2align 2
    .arm
_main:
    mov     r0, #1                  @ fd: stdout
    adr     r1, msg
    mov     r2, #MSG_LEN
    mov     r12, #4                 @ SYS_write
    svc     #0x80
    mov     r0, #0
    mov     r12, #1                 @ SYS_exit
    svc     #0x80
    bx      lr
msg:
    .ascii  "sigtrace e2e: hello from armv7\n"
