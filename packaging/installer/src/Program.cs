using CniPlugins.Installer;

return InstallerCommand.Run(args, Console.Out, Console.Error);
