# bash completion for sigtrace (installed to
# share/bash-completion/completions/sigtrace).
_sigtrace()
{
	local cur prev cmd
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "verify scan outliers trust ingest executed explain --help --version" -- "$cur"))
		return
	fi
	cmd=${COMP_WORDS[1]}
	case $prev in
	--format)
		case $cmd in
		verify|scan) COMPREPLY=($(compgen -W "text ndjson csv sigcheck timesketch" -- "$cur")) ;;
		*) COMPREPLY=($(compgen -W "text ndjson" -- "$cur")) ;;
		esac
		return ;;
	--at|--max-file-size|-j|--jobs|--min-score|--host|--archive-password) return ;;
	--trust|--crl|--dbx|--catalogs|--host-trust|--files-from|--db|--allow|--baseline|--vulnerable-drivers)
		COMPREPLY=($(compgen -f -- "$cur")); return ;;
	esac
	local trust="--trust --no-default-trust --system-trust --crl --dbx --host-trust --at --vulnerable-drivers"
	local opts
	case $cmd in
	verify) opts="$trust --catalogs --archive-password --deleted --format --max-file-size -j --jobs --files-from -q --quiet --no-file-hash --legacy-hashes --hash-images" ;;
	scan) opts="$trust --catalogs --archive-password --deleted --no-catalogs --no-host-trust --format --max-file-size -j --jobs --files-from --all -q --quiet --no-file-hash --legacy-hashes --hash-images --db --resume --host" ;;
	outliers) opts="--db --allow --baseline --min-score --rates --format" ;;
	ingest) opts="--db" ;;
	executed) opts="--db --format --vulnerable-drivers" ;;
	explain) opts="digest_mismatch page_hash_mismatch signature_invalid untrusted_root self_signed revoked publisher_impersonation metadata_mismatch cert_expired" ;;
	trust) opts="$trust --format show" ;;
	esac
	if [[ $cur == -* ]] || [ "$cmd" = outliers ] || [ "$cmd" = trust ] || [ "$cmd" = executed ] || [ "$cmd" = explain ]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	else
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}
complete -F _sigtrace sigtrace
