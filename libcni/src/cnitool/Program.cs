using CniPlugins.CniTool;

return await CniTool.Create(ToolContext.Process).Parse(args).InvokeAsync().ConfigureAwait(false);
