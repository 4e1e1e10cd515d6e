# bash completion for mp4kit (installed as share/bash-completion/completions/mp4kit).
# Subcommands, then each subcommand's options as `mp4kit SUBCOMMAND --help` lists them, the
# values of --format / --mode / --cache / --time-rule, and file names for the rest.
_mp4kit() {
  local cur prev sub words_opts
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD-1]}
  local subs="probe decode seek bench batch help"
  if ((COMP_CWORD == 1)); then
    COMPREPLY=($(compgen -W "$subs --help --version" -- "$cur"))
    return
  fi
  sub=${COMP_WORDS[1]}
  case "$sub" in
    help) ((COMP_CWORD == 2)) && COMPREPLY=($(compgen -W "probe decode seek bench batch" -- "$cur")); return ;;
    probe|decode|seek|bench|batch) ;;
    *) return ;;
  esac
  case "$prev" in
    --format)
      case "$sub" in
        decode) COMPREPLY=($(compgen -W "null y4m raw framemd5 wav" -- "$cur")) ;;
        seek) COMPREPLY=($(compgen -W "png ppm y4m raw framemd5 null" -- "$cur")) ;;
      esac
      return ;;
    --mode) COMPREPLY=($(compgen -W "decode demux probe seek" -- "$cur")); return ;;
    --cache) COMPREPLY=($(compgen -W "cold warm both" -- "$cur")); return ;;
    --time-rule) COMPREPLY=($(compgen -W "shown next" -- "$cur")); return ;;
    --shard) COMPREPLY=($(compgen -W "auto" -- "$cur")); return ;;
    --progress) COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
    --walk) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --files-from|--records) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    -o|--output|--baseline) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  if [[ "$cur" == -* ]]; then
    words_opts=$("${COMP_WORDS[0]}" "$sub" --help 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
    COMPREPLY=($(compgen -W "$words_opts" -- "$cur"))
    return
  fi
  COMPREPLY=($(compgen -f -- "$cur"))
}
complete -o filenames -F _mp4kit mp4kit
