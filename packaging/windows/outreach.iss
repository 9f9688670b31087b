; Inno Setup script for the Windows installer (per-user: no administrator rights needed).
;
;   python packaging/icons.py build/icons
;   pyinstaller packaging/outreach.spec --noconfirm --distpath dist --workpath build/pyinstaller
;   iscc /DAppVersion=0.1.0 packaging\windows\outreach.iss
;
; → dist\Outreach-Setup-<version>.exe. .github/workflows/windows.yml runs exactly these steps on a Windows
; runner. Installs dist\outreach\ (outreach.exe: the window, no console; outreach-cli.exe: the same program
; for the command line) into %LOCALAPPDATA%\Programs\Outreach with a Start-menu entry. The data is NOT in
; the program folder: the app keeps it in %LOCALAPPDATA%\Outreach (platformdirs, outreach/storage/paths.py),
; and uninstalling leaves it there — it is the social worker's casework, not the program's.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#define Root SourcePath + "..\..\"

[Setup]
AppId={{6C9E1B0A-4D1E-4C52-9A43-2F3B7C1D0E51}
AppName=Outreach 社工入户走访助手
AppVersion={#AppVersion}
AppVerName=Outreach 社工入户走访助手 {#AppVersion}
AppPublisher=Outreach
DefaultDirName={autopf}\Outreach
DefaultGroupName=Outreach
DisableProgramGroupPage=yes
; per-user install: {autopf} is %LOCALAPPDATA%\Programs, shortcuts go to the user's Start menu
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#Root}dist
OutputBaseFilename=Outreach-Setup-{#AppVersion}
SetupIconFile={#Root}build\icons\outreach.ico
UninstallDisplayIcon={app}\outreach.exe
UninstallDisplayName=Outreach 社工入户走访助手
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Languages]
; Chinese first: newer Inno Setup releases ship ChineseSimplified.isl; the CI workflow puts the
; translation next to this script when the installed compiler lacks it.
#if FileExists(SourcePath + "ChineseSimplified.isl")
Name: "chinesesimplified"; MessagesFile: "{#SourcePath}ChineseSimplified.isl"
#elif FileExists(CompilerPath + "Languages\ChineseSimplified.isl")
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#endif
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#Root}dist\outreach\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\Outreach 社工入户走访助手"; Filename: "{app}\outreach.exe"; Parameters: "gui"
Name: "{autodesktop}\Outreach 社工入户走访助手"; Filename: "{app}\outreach.exe"; Parameters: "gui"; Tasks: desktopicon

[Run]
Filename: "{app}\outreach.exe"; Parameters: "gui"; Description: "{cm:LaunchProgram,Outreach}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; only the program folder; %LOCALAPPDATA%\Outreach (the database, backups, logs) stays
Type: filesandordirs; Name: "{app}"
