/* Minimal UEFI application (no EDK2/gnu-efi headers needed), used for the
 * EFI fixture. Built with clang --target=x86_64-pc-windows-msvc and lld-link
 * /subsystem:efi_application /entry:efi_main by make-fixtures.sh. */
typedef unsigned long long efi_status;
typedef void *efi_handle;

efi_status efi_main(efi_handle image, void *system_table)
{
    (void)image;
    (void)system_table;
    return 0; /* EFI_SUCCESS */
}
